using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Admin.Signup;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Signup verification tokens as a gateway with the test master key issues them (at a chosen time).</summary>
public static class SignupTokens
{
    public static string Issue(string email, string organizationName, TimeSpan ttl, TimeProvider? time = null) =>
        new VerificationToken(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["NEMO_MASTER_KEY"] = NemoTestHost.MasterKey }).Build(),
            time ?? TimeProvider.System).Issue(email, organizationName, ttl);
}
