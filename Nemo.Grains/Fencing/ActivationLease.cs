namespace Nemo.Grains.Fencing;

/// <summary>
/// One activation's hold on its organization's epoch: fresh while confirmed within the lease duration
/// (timestamps are when the confirming query was SENT, so a process frozen after the answer arrived
/// can't count the time it was frozen as confirmed), fenced for good once a newer epoch was seen.
/// </summary>
internal sealed class ActivationLease(Guid organizationId, long epoch, long confirmedAt)
{
    private long _confirmedAt = confirmedAt;
    private volatile bool _fenced;

    public Guid OrganizationId { get; } = organizationId;

    public long Epoch { get; } = epoch;

    public bool Fenced => _fenced;

    public void MarkFenced() => _fenced = true;

    /// <summary>Moves the confirmation forward (never back: answers may arrive out of order).</summary>
    public void Confirm(long sentAt)
    {
        long current = Volatile.Read(ref _confirmedAt);
        while (sentAt > current)
        {
            long seen = Interlocked.CompareExchange(ref _confirmedAt, sentAt, current);
            if (seen == current)
                return;
            current = seen;
        }
    }

    public bool IsFresh(TimeProvider time, TimeSpan leaseDuration) =>
        !_fenced && time.GetElapsedTime(Volatile.Read(ref _confirmedAt)) < leaseDuration;
}
