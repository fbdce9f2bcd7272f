using Nemo.Grains.Contracts;

namespace Nemo.Runtime.Activation;

/// <summary>A reference to a grain on this silo; each call runs as one turn of its activation.</summary>
internal sealed class GrainRef<TGrain>(Catalog catalog, GrainId id) : IGrainRef<TGrain> where TGrain : class, IGrainLifecycle
{
    public GrainId Id { get; } = id;

    public async ValueTask<T> Call<T>(Func<TGrain, ValueTask<T>> turn, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ActivationData activation = catalog.GetOrCreate(Id);
            if (!await activation.EnterAsync(cancellationToken))
                continue; // deactivated between lookup and turn: look up again
            try
            {
                return await turn((TGrain)activation.Grain);
            }
            finally
            {
                activation.Exit();
            }
        }
    }

    public async ValueTask Call(Func<TGrain, ValueTask> turn, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ActivationData activation = catalog.GetOrCreate(Id);
            if (!await activation.EnterAsync(cancellationToken))
                continue;
            try
            {
                await turn((TGrain)activation.Grain);
                return;
            }
            finally
            {
                activation.Exit();
            }
        }
    }

    public async ValueTask<IAsyncDisposable> PinAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ActivationData activation = catalog.GetOrCreate(Id);
            activation.Pin();
            // Entering a turn after pinning orders us against a deactivation: either it ran first
            // (we see Deactivated and retry) or it runs later and sees the pin.
            bool entered;
            try
            {
                entered = await activation.EnterAsync(cancellationToken);
            }
            catch
            {
                activation.Unpin();
                throw;
            }
            if (!entered)
            {
                activation.Unpin();
                continue;
            }
            activation.Exit();
            return new Pin(activation);
        }
    }

    private sealed class Pin(ActivationData activation) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                activation.Unpin();
            return ValueTask.CompletedTask;
        }
    }
}
