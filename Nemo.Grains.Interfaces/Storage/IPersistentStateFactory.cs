using Nemo.Grains.Contracts;

namespace Nemo.Grains.Storage;

public interface IPersistentStateFactory
{
    IPersistentState<TState> Create<TState>(GrainId grainId, string stateName) where TState : class, new();
}
