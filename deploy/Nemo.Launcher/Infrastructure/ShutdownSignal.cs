using System.Runtime.InteropServices;

namespace Nemo.Launcher.Infrastructure;

/// <summary>
/// Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into a cancellation token instead of letting the
/// runtime exit, so the launcher can stop what it started, in order, before leaving.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_source.IsCancellationRequested)
        {
            Console.Error.WriteLine("nemo: already stopping; please wait");
            return;
        }

        Console.Error.WriteLine($"nemo: {context.Signal} received, stopping…");
        _ = Task.Run(_source.Cancel);
    }
}
