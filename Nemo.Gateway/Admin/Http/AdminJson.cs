using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Admin.Http;

/// <summary>Admin API responses: snake_case JSON; money as USD decimal numbers converted exactly from nanos.</summary>
internal static class AdminJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => Results.Json(value, Options, statusCode: status);

    public static IResult Created(object value) => Ok(value, StatusCodes.Status201Created);

    /// <summary>A list response in OpenAI's shape: <c>{"object":"list","data":[…]}</c>.</summary>
    public static IResult List<T>(IEnumerable<T> data) => Ok(new { @object = "list", data });

    public static decimal Money(long nanos) => Usd.FromNanos(nanos);

    public static decimal? Money(long? nanos) => nanos is { } n ? Usd.FromNanos(n) : null;
}
