using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Nemo.Gateway.Dashboard.Forms;

/// <summary>
/// The message a form action leaves for the page it redirects to (post/redirect/get): one short-lived,
/// HttpOnly cookie, encrypted and signed with ASP.NET Core Data Protection, read once and deleted. It
/// also carries a key's secret to the one page view that shows it. Hand-written because MVC's TempData
/// is not available to Razor components; it is twenty lines over Data Protection.
/// </summary>
internal sealed record Flash(string Kind, string Message, string? Secret = null)
{
    private const string CookieName = "__Host-nemo-flash";
    private const string Purpose = "Nemo.Console.Flash";

    public bool IsError => Kind == "error";

    public static void Set(HttpContext context, Flash flash)
    {
        IDataProtector protector = context.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        context.Response.Cookies.Append(CookieName, protector.Protect(JsonSerializer.Serialize(flash)), new CookieOptions
        {
            HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/", MaxAge = TimeSpan.FromMinutes(2), IsEssential = true,
        });
    }

    public static Flash? Take(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out string? value) || string.IsNullOrEmpty(value))
            return null;
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Secure = true, Path = "/", SameSite = SameSiteMode.Strict, HttpOnly = true });
        try
        {
            IDataProtector protector = context.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
            return JsonSerializer.Deserialize<Flash>(protector.Unprotect(value));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }
}
