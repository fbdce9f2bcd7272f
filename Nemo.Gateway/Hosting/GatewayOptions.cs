namespace Nemo.Gateway.Hosting;

/// <summary>Gateway settings, bound from <c>Nemo:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    /// <summary>Largest request body accepted, in bytes (default 8 MiB); larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest non-streamed upstream response read, in bytes (default 64 MiB).</summary>
    public long MaxResponseBodyBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// The ceiling on one upstream call, however steadily it streams (default 9 min; it must stay below
    /// Nemo:Spend:ReservationTtl, or the reservation would expire under a live stream). A silent provider
    /// is ended far sooner by its own Nemo:Providers:{name}:ConnectTimeout, FirstByteTimeout and IdleTimeout.
    /// </summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromMinutes(9);

    /// <summary>Whether <c>POST /v1/signup</c> is open to anyone (default false: operator master key only).</summary>
    public bool SignupOpen { get; set; }

    /// <summary>Prompt tokens reserved per image part, on top of the body's byte count (default 3,000).</summary>
    public long ImageTokenAllowance { get; set; } = 3000;

    /// <summary>
    /// For organizations with content logging on: the most bytes kept of a request body, and of its
    /// response, each (default 64 KiB; 1 KiB to 16 MiB). Longer texts are cut and marked truncated.
    /// </summary>
    public int ContentLogMaxBytes { get; set; } = 64 * 1024;

    /// <summary>How much longer than the upstream timeout a reservation must live: time to settle after the last byte.</summary>
    private static readonly TimeSpan MinReservationSlack = TimeSpan.FromSeconds(2);

    public IEnumerable<string> Validate(TimeSpan reservationTtl)
    {
        if (MaxRequestBodyBytes <= 0)
            yield return $"Nemo:Gateway:MaxRequestBodyBytes must be positive (currently {MaxRequestBodyBytes}).";
        if (MaxResponseBodyBytes <= 0)
            yield return $"Nemo:Gateway:MaxResponseBodyBytes must be positive (currently {MaxResponseBodyBytes}).";
        if (UpstreamTimeout <= TimeSpan.Zero)
            yield return $"Nemo:Gateway:UpstreamTimeout must be positive (currently {UpstreamTimeout}).";
        if (UpstreamTimeout + MinReservationSlack > reservationTtl)
            yield return $"Nemo:Spend:ReservationTtl (currently {reservationTtl}) must exceed Nemo:Gateway:UpstreamTimeout (currently {UpstreamTimeout}) by at least {MinReservationSlack.TotalSeconds:0} s, or slow responses would settle after their reservation expired.";
        if (ContentLogMaxBytes is < 1024 or > 16 * 1024 * 1024)
            yield return $"Nemo:Gateway:ContentLogMaxBytes must be between 1024 and 16777216 (currently {ContentLogMaxBytes}).";
        if (ImageTokenAllowance < 0)
            yield return $"Nemo:Gateway:ImageTokenAllowance must be zero or positive (currently {ImageTokenAllowance}).";
    }
}
