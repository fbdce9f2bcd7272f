using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace Nemo.Tests.Orleans;

/// <summary>Placed at random so that a handful of calls reaches every silo of a small test cluster.</summary>
[RandomPlacement]
internal sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    public Task<string> SiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());
}
