using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Protection;

/// <summary>
/// ASP.NET Core Data Protection for every gateway of a deployment: one application name, the key ring in
/// PostgreSQL, encrypted with a key derived from NEMO_MASTER_KEY when it is set (without it the ring is
/// stored unencrypted, and Data Protection logs a warning saying so).
/// </summary>
internal static class DataProtectionServices
{
    public static IServiceCollection AddNemoDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDataProtection().SetApplicationName("nemo");
        services.AddSingleton<PostgresXmlRepository>();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = sp.GetRequiredService<PostgresXmlRepository>();
            if (configuration["NEMO_MASTER_KEY"] is { Length: > 0 } masterKey)
                options.XmlEncryptor = new MasterKeyXmlEncryptor(MasterKeyXmlEncryptor.DeriveKey(masterKey));
        }));
        return services;
    }
}
