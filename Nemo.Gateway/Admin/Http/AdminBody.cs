using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// A typed admin request body (a record): minimal APIs bind it through <see cref="IBindableFromHttpContext{TSelf}"/>,
/// whose implementation here reads it within <c>Nemo:Admin:MaxBodyBytes</c>, checks it for hostile text
/// (<see cref="ValidText"/>), refuses a field the record doesn't have or a missing <c>required</c> one, and
/// deserializes it with the source-generated <see cref="AdminRequestJson"/> context. .NET's validation then checks
/// the values (data annotations and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>,
/// source-generated). A refusal at binding is kept on the request (<see cref="BodyRefusal"/>) and written by
/// <see cref="OpenAIProblemWriter"/> with its own code (binding failures throw, <c>ThrowOnBadRequest</c>, and
/// <see cref="BadRequestExceptionHandler"/> hands them to the writer); a validation refusal is a 400 <c>invalid_value</c>.
/// Public, as the request records implementing it must be for the validation generator.
/// </summary>
public interface IAdminRequest<TSelf> : IBindableFromHttpContext<TSelf> where TSelf : class, IAdminRequest<TSelf>
{
    static async ValueTask<TSelf?> IBindableFromHttpContext<TSelf>.BindAsync(HttpContext context, System.Reflection.ParameterInfo parameter)
    {
        (TSelf? value, OpenAIError? error) = await AdminBody<TSelf>.ReadAsync(context);
        if (error is { } refused)
            BodyRefusal.Set(context, refused);
        return value;
    }
}

/// <summary>Why a typed body was refused at binding, for the problem writer to answer with.</summary>
internal sealed class BodyRefusal(OpenAIError error)
{
    public OpenAIError Error { get; } = error;

    public static void Set(HttpContext context, OpenAIError error) => context.Features.Set(new BodyRefusal(error));

    public static OpenAIError? Of(HttpContext context) => context.Features.Get<BodyRefusal>()?.Error;
}

/// <summary>Reads and checks a typed admin body (see <see cref="IAdminRequest{TSelf}"/>).</summary>
internal static class AdminBody<T> where T : class
{
    public static async ValueTask<(T? Value, OpenAIError? Error)> ReadAsync(HttpContext context)
    {
        long limit = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.MaxBodyBytes;
        (JsonInput? input, OpenAIError readError) = await JsonInput.ReadAsync(context.Request, limit);
        if (input is null)
            return (null, readError);
        using (input)
        {
            var info = (JsonTypeInfo<T>)AdminRequestJson.Default.GetTypeInfo(typeof(T))!;
            if (Shape(input.Root, info) is { } shapeError)
                return (null, shapeError);
            try
            {
                T? value = input.Root.Deserialize(info);
                return value is null ? (null, OpenAIError.BadRequest("The request body must be a JSON object.", code: "invalid_json")) : (value, null);
            }
            catch (JsonException ex)
            {
                return (null, TypeError(input.Root, info, ex));
            }
        }
    }

    /// <summary>Unknown fields (a typo is an error, not silently ignored), missing required ones, and an empty PATCH.</summary>
    private static OpenAIError? Shape(JsonElement root, JsonTypeInfo<T> info)
    {
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (Find(info, property.Name) is null)
            {
                string accepted = info.Properties.Count == 0 ? "no fields" : string.Join(", ", info.Properties.Select(p => p.Name));
                return OpenAIError.BadRequest($"Unknown field '{property.Name}'; this route accepts {accepted}.", property.Name, "unknown_parameter");
            }
        }
        foreach (JsonPropertyInfo property in info.Properties)
        {
            if (property.IsRequired && (!root.TryGetProperty(property.Name, out JsonElement element) || element.ValueKind == JsonValueKind.Null))
                return OpenAIError.BadRequest($"{property.Name} is required{Expected(property.PropertyType, prefix: " and must be ")}.", property.Name, "missing_required_parameter");
        }
        if (typeof(IPatchBody).IsAssignableFrom(typeof(T)) && !root.EnumerateObject().Any())
            return OpenAIError.BadRequest($"Send at least one of {string.Join(", ", info.Properties.Select(p => p.Name))}.", code: "missing_required_parameter");
        return null;
    }

    /// <summary>A value of the wrong JSON kind: <c>invalid_type</c>; a number that isn't an integer where one is needed: <c>invalid_value</c>.</summary>
    private static OpenAIError TypeError(JsonElement root, JsonTypeInfo<T> info, JsonException ex)
    {
        string? name = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..].Split('.', '[')[0] : null;
        JsonPropertyInfo? property = name is null ? null : Find(info, name);
        if (property is null || !root.TryGetProperty(property.Name, out JsonElement element))
            return OpenAIError.BadRequest("The request body does not have the fields this route expects.", code: "invalid_type");
        Type type = Underlying(property.PropertyType);
        string expected = Expected(property.PropertyType, prefix: "");
        // A number that isn't an integer, or a list that isn't a list of the right items, is a wrong value (as the
        // API contract has it); any other kind of JSON value where another is needed is a wrong type.
        return (element.ValueKind == JsonValueKind.Number && IsInteger(type)) || type.IsArray
            ? OpenAIError.BadRequest($"{property.Name} must be {expected} (got {element.GetRawText()}).", property.Name, "invalid_value")
            : OpenAIError.BadRequest($"{property.Name} must be {expected} (got {JsonInput.Kind(element)}).", property.Name, "invalid_type");
    }

    private static JsonPropertyInfo? Find(JsonTypeInfo<T> info, string name)
    {
        foreach (JsonPropertyInfo property in info.Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
                return property;
        }
        return null;
    }

    private static Type Underlying(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Optional<>))
            type = type.GetGenericArguments()[0];
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    private static bool IsInteger(Type type) => type == typeof(int) || type == typeof(long) || type == typeof(short);

    private static string Expected(Type declared, string prefix)
    {
        Type type = Underlying(declared);
        string kind = type == typeof(string) ? "a string"
            : IsInteger(type) ? "an integer"
            : type == typeof(decimal) ? "a number"
            : type == typeof(bool) ? "true or false"
            : type == typeof(Guid) ? "a UUID"
            : type == typeof(DateTimeOffset) ? "an ISO 8601 timestamp"
            : type.IsArray ? "an array"
            : "an object";
        return prefix + kind;
    }
}

/// <summary>A PATCH body: an empty object is refused (it would change nothing).</summary>
public interface IPatchBody;
