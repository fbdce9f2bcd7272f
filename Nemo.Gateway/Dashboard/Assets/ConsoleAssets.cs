using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Nemo.Gateway.Dashboard.Assets;

/// <summary>
/// The console's stylesheet and its one small script, embedded in the assembly and served with a
/// content hash in the URL, so they are cached for good and never fetched from anywhere else. (Static
/// web assets would need the gateway's build manifest beside whatever process hosts it, tests included.)
/// </summary>
internal static class ConsoleAssets
{
    private static readonly (string Name, string ContentType, byte[] Bytes)[] Files =
        [Load("console.css", "text/css; charset=utf-8"), Load("console.js", "text/javascript; charset=utf-8")];

    public static string Url(string name) => $"/assets/{name}?v={Version}";

    private static readonly string Version = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Files.SelectMany(f => f.Bytes).ToArray()))[..12];

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder app)
    {
        foreach ((string name, string contentType, byte[] bytes) in Files)
            app.MapGet("/assets/" + name, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(bytes, contentType);
            });
        return app;
    }

    private static (string, string, byte[]) Load(string name, string contentType)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Nemo.Gateway.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"Embedded console asset {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return (name, contentType, copy.ToArray());
    }
}
