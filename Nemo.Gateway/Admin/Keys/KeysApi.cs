using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Providers;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Keys;

/// <summary>
/// <c>/v1/keys</c>: list (all roles; members and viewers see their own), create (owner, admin, member),
/// get (own, or any for owner/admin), update, revoke and rotate (members their own; owner/admin any).
/// </summary>
internal static class KeysApi
{
    private const int MaxName = 200;
    private const long MaxGraceSeconds = 7 * 24 * 3600;

    public static IEndpointRouteBuilder MapNemoKeysApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/keys", ListAsync).Members(MemberRole.Viewer, "list keys");
        app.MapPost("/v1/keys", CreateAsync).Members(MemberRole.Member, "create keys");
        app.MapGet("/v1/keys/{id}", GetAsync).Members(MemberRole.Viewer, "read keys");
        app.MapPatch("/v1/keys/{id}", PatchAsync).Members(MemberRole.Member, "change keys");
        app.MapDelete("/v1/keys/{id}", RevokeAsync).Members(MemberRole.Member, "revoke keys");
        app.MapPost("/v1/keys/{id}/rotate", RotateAsync).Members(MemberRole.Member, "rotate keys");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, KeyStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context), context.RequestAborted));

    private static async Task<IResult> GetAsync(HttpContext context, string id, KeyStore store)
    {
        if (!RouteIds.TryParse(id, "key", out Guid keyId, out OpenAIError error))
            return error.ToResult();
        Outcome<KeyView> outcome = await store.GetAsync(AdminCaller.Of(context), keyId, context.RequestAborted);
        return outcome.Ok ? AdminJson.Ok(outcome.Value!) : outcome.Error.ToResult();
    }

    private static async Task<IResult> CreateAsync(HttpContext context, KeyStore store, Propagation propagation, TimeProvider time, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        NewKey key;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "team_id", "scope", "expires_at", "rpm", "tpm", "limits")
                || !input.RequiredString("name", MaxName, out string name, out error)
                || !input.OptionalGuid("team_id", out Guid? teamId, out error)
                || !input.OptionalNonEmptyString("scope", 16, out string? scope, out error)
                || !input.OptionalTimestamp("expires_at", out DateTimeOffset? expiresAt, out error)
                || !ReadLimits(input, out bool _, out long? rpm, out bool _, out long? tpm, out error))
                return error.ToResult();
            if (scope is not (null or KeyRows.OrganizationScope or KeyRows.TeamScope))
                return OpenAIError.BadRequest($"scope must be organization or team (got '{scope}').", "scope", "invalid_value").ToResult();
            if (scope == KeyRows.OrganizationScope && teamId is not null)
                return OpenAIError.BadRequest("An organization-level key belongs to no team: leave team_id out, or use scope team.", "team_id", "invalid_value").ToResult();
            if (expiresAt is { } expiry && expiry <= time.GetUtcNow())
                return OpenAIError.BadRequest($"expires_at ({expiry:O}) must be in the future.", "expires_at", "invalid_value").ToResult();
            key = new NewKey(name, teamId, scope == KeyRows.OrganizationScope, expiresAt, rpm, tpm);
        }
        Outcome<(KeyView View, IssuedKey Issued)> outcome = await store.CreateAsync(caller, key, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        (KeyView view, IssuedKey issued) = outcome.Value;
        await propagation.KeyAsync(caller.OrganizationId, view.Id, [issued.Hash], CancellationToken.None);
        return AdminJson.Created(WithSecret(view, issued.Secret));
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, KeyStore store, Propagation propagation, TimeProvider time, ModelCatalog catalog, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "key", out Guid keyId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        KeyChange change;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "disabled", "expires_at", "rpm", "tpm", "limits", "models")
                || !input.OptionalNonEmptyString("name", MaxName, out string? name, out error)
                || !input.OptionalBool("disabled", out bool? disabled, out error)
                || !input.OptionalTimestamp("expires_at", out DateTimeOffset? expiresAt, out error)
                || !ReadLimits(input, out bool setRpm, out long? rpm, out bool setTpm, out long? tpm, out error)
                || !input.OptionalModelList("models", m => catalog.TryFind(m, out _), out bool setModels, out string[]? models, out error))
                return error.ToResult();
            if (input.IsEmpty)
                return OpenAIError.BadRequest("Send at least one of name, disabled, expires_at, rpm, tpm, models (null clears expires_at, rpm, tpm and models).", code: "missing_required_parameter").ToResult();
            if (input.IsNull("disabled"))
                return OpenAIError.BadRequest("disabled must be true or false.", "disabled", "invalid_type").ToResult();
            if (expiresAt is { } expiry && expiry <= time.GetUtcNow())
                return OpenAIError.BadRequest($"expires_at ({expiry:O}) must be in the future; to stop a key now, set disabled or revoke it.", "expires_at", "invalid_value").ToResult();
            change = new KeyChange(name, disabled, setRpm, rpm, setTpm, tpm, input.Has("expires_at"), expiresAt, setModels, models);
        }
        Outcome<(KeyView View, KeyHash[] Hashes)> outcome = await store.UpdateAsync(caller, keyId, change, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.KeyAsync(caller.OrganizationId, keyId, outcome.Value.Hashes, CancellationToken.None);
        return AdminJson.Ok(outcome.Value.View);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, KeyStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "key", out Guid keyId, out OpenAIError error))
            return error.ToResult();
        Outcome<(KeyView View, KeyHash[] Hashes)> outcome = await store.RevokeAsync(caller, keyId, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.KeyAsync(caller.OrganizationId, keyId, outcome.Value.Hashes, CancellationToken.None);
        return AdminJson.Ok(outcome.Value.View);
    }

    private static async Task<IResult> RotateAsync(HttpContext context, string id, KeyStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "key", out Guid keyId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes, allowEmpty: true);
        if (input is null)
            return inputError.ToResult();
        long graceSeconds;
        using (input)
        {
            if (!input.OnlyKnown(out error, "grace_period_seconds")
                || !input.OptionalInt("grace_period_seconds", 0, (int)MaxGraceSeconds, out int? grace, out error))
                return error.ToResult();
            graceSeconds = grace ?? 0;
        }
        Outcome<(KeyView View, IssuedKey Issued, KeyHash[] Hashes)> outcome = await store.RotateAsync(caller, keyId, TimeSpan.FromSeconds(graceSeconds), context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.KeyAsync(caller.OrganizationId, keyId, outcome.Value.Hashes, CancellationToken.None);
        return AdminJson.Ok(WithSecret(outcome.Value.View, outcome.Value.Issued.Secret));
    }

    /// <summary><c>rpm</c>/<c>tpm</c> at the top level or inside <c>limits</c> (not both); null clears on PATCH.</summary>
    private static bool ReadLimits(JsonInput input, out bool setRpm, out long? rpm, out bool setTpm, out long? tpm, out OpenAIError error)
    {
        setRpm = setTpm = false;
        rpm = tpm = null;
        if (!input.OptionalObject("limits", out JsonInput? limits, out error))
            return false;
        if (limits is null)
        {
            setRpm = input.Has("rpm");
            setTpm = input.Has("tpm");
            return input.OptionalPositiveLong("rpm", out rpm, out error) && input.OptionalPositiveLong("tpm", out tpm, out error);
        }
        using (limits)
        {
            if (input.Has("rpm") || input.Has("tpm"))
            {
                error = OpenAIError.BadRequest("Send rpm and tpm either at the top level or inside limits, not both.", "limits", "invalid_value");
                return false;
            }
            setRpm = limits.Has("rpm");
            setTpm = limits.Has("tpm");
            return limits.OnlyKnown(out error, "rpm", "tpm")
                && limits.OptionalPositiveLong("rpm", out rpm, out error) && limits.OptionalPositiveLong("tpm", out tpm, out error);
        }
    }

    /// <summary>The key's metadata plus its secret: the only responses that ever carry it (create and rotate).</summary>
    private static Dictionary<string, object?> WithSecret(KeyView view, string secret)
    {
        var shaped = System.Text.Json.JsonSerializer.SerializeToElement(view, AdminJson.Options);
        var result = new Dictionary<string, object?> { ["key"] = secret };
        foreach (var property in shaped.EnumerateObject())
            result[property.Name] = property.Value;
        return result;
    }
}
