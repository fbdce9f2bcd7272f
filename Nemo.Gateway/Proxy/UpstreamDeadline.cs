namespace Nemo.Gateway.Proxy;

/// <summary>
/// The deadlines of one upstream call, as one token: the client going away, a total ceiling
/// (<c>Nemo:Gateway:UpstreamTimeout</c>), and a re-armable phase timer — the provider's first-byte
/// timeout until the headers arrive, then its idle timeout, re-armed before every read. Timers run on
/// the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class UpstreamDeadline : IDisposable
{
    private readonly CancellationToken _clientAborted;
    private readonly CancellationTokenSource _phase;
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _linked;

    public UpstreamDeadline(CancellationToken clientAborted, TimeSpan total, TimeProvider time)
    {
        _clientAborted = clientAborted;
        _phase = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _total = new CancellationTokenSource(total, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, _phase.Token, _total.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>What the phase timer currently guards, for the client's message ("its first byte", "its next chunk").</summary>
    public string Phase { get; private set; } = "its first byte";

    public TimeSpan PhaseTimeout { get; private set; }

    public bool ClientGone => _clientAborted.IsCancellationRequested;

    /// <summary>A deadline (not the client) ended the call.</summary>
    public bool TimedOut => !ClientGone && (_phase.IsCancellationRequested || _total.IsCancellationRequested);

    public bool TotalExpired => _total.IsCancellationRequested;

    /// <summary>(Re)starts the phase timer; no effect once any deadline has fired.</summary>
    public void Arm(TimeSpan timeout, string phase)
    {
        if (_linked.IsCancellationRequested)
            return;
        Phase = phase;
        PhaseTimeout = timeout;
        _phase.CancelAfter(timeout);
    }

    public void Dispose()
    {
        _linked.Dispose();
        _phase.Dispose();
        _total.Dispose();
    }
}
