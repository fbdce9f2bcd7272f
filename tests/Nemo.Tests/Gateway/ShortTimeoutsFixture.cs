using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>A Nemo whose provider gets 2 s to send its first byte and 2 s between chunks (the total stays 20 s).</summary>
public sealed class ShortTimeoutsFixture : NemoHostFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Nemo:Providers:fake:FirstByteTimeout"] = "00:00:02",
        ["Nemo:Providers:fake:IdleTimeout"] = "00:00:02",
    };
}
