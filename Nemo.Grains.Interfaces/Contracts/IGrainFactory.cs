namespace Nemo.Grains.Contracts;

/// <summary>Gives references to grains hosted on this silo. Calls through a reference run as turns.</summary>
public interface IGrainFactory
{
    IGrainRef<TGrain> Get<TGrain>(Guid organizationId, string key) where TGrain : class, IGrainLifecycle;
}
