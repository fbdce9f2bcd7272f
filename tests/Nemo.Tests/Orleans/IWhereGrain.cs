using Orleans;

namespace Nemo.Tests.Orleans;

/// <summary>A stateless test grain that tells which silo it runs on.</summary>
public interface IWhereGrain : IGrainWithIntegerKey
{
    Task<string> SiloAsync();
}
