using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// A host for suites that call open signup many times from one address (the permission matrix, the
/// bad-input table): its signup limits are raised so that they test their own subject, not the limiter
/// (which <see cref="RateLimitTests"/> covers).
/// </summary>
public sealed class AdminHostFixture : NemoHostFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nemo:Signup:PermitsPerAddress"] = "10000",
        ["Nemo:Signup:PermitsOverall"] = "10000",
    };
}
