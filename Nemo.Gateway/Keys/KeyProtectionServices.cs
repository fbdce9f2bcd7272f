using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Keys;

/// <summary>Registers the negative key cache and the failed-authentication limiter (called by AddNemoAdmin).</summary>
internal static class KeyProtectionServices
{
    public static IServiceCollection AddNemoKeyProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyProtectionOptions>().Bind(configuration.GetSection("Nemo:Auth")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyProtectionOptions>, KeyProtectionOptionsValidator>();
        services.AddSingleton<NegativeKeyCache>();
        services.AddSingleton<AuthFailureLimiter>();
        return services;
    }
}
