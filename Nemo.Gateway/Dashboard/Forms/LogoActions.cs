using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Dashboard.Accounts;

namespace Nemo.Gateway.Dashboard.Forms;

/// <summary>
/// The organization's logo: uploaded by owners and admins, at most <see cref="MaxBytes"/>, accepted only
/// when its bytes are a PNG or JPEG (the file name and the browser's content type are ignored), stored in
/// <c>nemo.organization_logos</c> under row-level security with an audit entry, and served back with the
/// checked type, <c>nosniff</c> and a CSP that lets nothing run.
/// </summary>
internal static class LogoActions
{
    public const int MaxBytes = 256 * 1024;

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];

    public static RouteGroupBuilder MapNemoLogoActions(this RouteGroupBuilder org)
    {
        org.MapPost("/settings/logo", UploadAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapGet("/logo", ServeAsync).RequireAuthorization(AccessPolicies.ConsoleViewer);
        return org;
    }

    public static string? TypeOf(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(Png) ? "image/png" : bytes.StartsWith(Jpeg) ? "image/jpeg" : null;

    private static async Task<IResult> UploadAsync(HttpContext context, Guid org, IFormCollection form, AdminDatabase database)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = $"/o/{org}/settings";
        if (form.Files.GetFile("logo") is not { Length: > 0 } file)
            return AccountActions.Back(context, back, "Choose a PNG or JPEG file for the logo.");
        if (file.Length > MaxBytes)
            return AccountActions.Back(context, back, $"The logo is {file.Length / 1024} KiB; the most is {MaxBytes / 1024} KiB.");
        byte[] bytes = new byte[file.Length];
        await using (Stream stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(bytes, context.RequestAborted);
        if (TypeOf(bytes) is not { } contentType)
            return AccountActions.Back(context, back, "The logo must be a PNG or JPEG image (its content is not one, whatever its name says).");
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, context.RequestAborted);
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.organization_logos (organization_id, content_type, bytes, updated_at) VALUES (@org, @type, @bytes, now())
            ON CONFLICT (organization_id) DO UPDATE SET content_type = excluded.content_type, bytes = excluded.bytes, updated_at = excluded.updated_at;
            UPDATE nemo.organizations SET logo_url = @url WHERE id = @org;
            """, context.RequestAborted, ("org", caller.OrganizationId), ("type", contentType), ("bytes", bytes), ("url", $"/o/{caller.OrganizationId}/logo"));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "organization.logo_upload", $"organization:{caller.OrganizationId}",
            null, new { content_type = contentType, bytes = bytes.Length }), context.RequestAborted);
        await session.CommitAsync(context.RequestAborted);
        Flash.Set(context, new Flash("ok", "Logo saved."));
        return Results.Redirect(back);
    }

    private static async Task<IResult> ServeAsync(HttpContext context, Guid org, AdminDatabase database)
    {
        await using AdminSession session = await database.TenantAsync(org, context.RequestAborted);
        var logo = await session.SingleAsync("SELECT content_type, bytes FROM nemo.organization_logos WHERE organization_id = @org",
            r => new Tuple<string, byte[]>(r.GetString(0), r.GetFieldValue<byte[]>(1)), context.RequestAborted, ("org", org));
        if (logo is null || TypeOf(logo.Item2) != logo.Item1)
            return Results.NotFound();
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        context.Response.Headers.CacheControl = "private, max-age=300";
        return Results.Bytes(logo.Item2, logo.Item1);
    }
}
