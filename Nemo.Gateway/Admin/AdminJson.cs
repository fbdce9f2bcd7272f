using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Admin;

/// <summary>Admin API responses: snake_case JSON; money as USD decimal numbers converted exactly from nanos.</summary>
internal static class AdminJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => Results.Json(value, Options, statusCode: status);

    public static decimal Money(long nanos) => Usd.FromNanos(nanos);
}
