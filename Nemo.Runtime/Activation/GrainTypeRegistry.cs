using Microsoft.Extensions.DependencyInjection;
using Nemo.Grains.Contracts;

namespace Nemo.Runtime.Activation;

/// <summary>Maps grain interfaces to type names and creates grain instances through DI.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, string> _typeNames = new();
    private readonly Dictionary<string, ObjectFactory> _factories = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<(string TypeName, Type Interface, Type Implementation)> grains)
    {
        foreach ((string typeName, Type contract, Type implementation) in grains)
        {
            _typeNames.Add(contract, typeName);
            _factories.Add(typeName, ActivatorUtilities.CreateFactory(implementation, [typeof(GrainId)]));
        }
    }

    public string TypeNameOf(Type contract) =>
        _typeNames.TryGetValue(contract, out string? name)
            ? name
            : throw new InvalidOperationException($"No grain implementation is registered for {contract.Name}.");

    public IGrainLifecycle Create(IServiceProvider services, GrainId id) =>
        _factories.TryGetValue(id.Type, out ObjectFactory? factory)
            ? (IGrainLifecycle)factory(services, [id])
            : throw new InvalidOperationException($"Unknown grain type '{id.Type}'.");
}
