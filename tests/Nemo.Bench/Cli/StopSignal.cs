using System.Runtime.InteropServices;

namespace Nemo.Bench.Cli;

/// <summary>
/// Ctrl+C / SIGTERM handling: the first signal stops the bench gracefully (the finished rates are still reported);
/// a second one terminates the process as usual. Replaces System.CommandLine's handler, which exits after a
/// timeout without letting the action report.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_stop.IsCancellationRequested)
        {
            return; // second signal: default handling terminates the process
        }

        context.Cancel = true;
        Console.Error.WriteLine($"bench: {context.Signal} received, stopping now and reporting the finished rates (again to abort).");
        _stop.Cancel();
    }
}
