namespace Nemo.Grains.Contracts;

/// <summary>
/// A reference to one grain. <see cref="Call{T}"/> runs the delegate as one turn of the grain's single
/// activation (activating it first if needed). <see cref="PinAsync"/> keeps the activation from being
/// deactivated until the pin is disposed, for work that spans a durable write and an in-memory apply.
/// </summary>
public interface IGrainRef<out TGrain> where TGrain : class, IGrainLifecycle
{
    GrainId Id { get; }

    ValueTask<T> Call<T>(Func<TGrain, ValueTask<T>> turn, CancellationToken cancellationToken = default);

    ValueTask Call(Func<TGrain, ValueTask> turn, CancellationToken cancellationToken = default);

    ValueTask<IAsyncDisposable> PinAsync(CancellationToken cancellationToken = default);
}
