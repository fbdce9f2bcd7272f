using System.ComponentModel.DataAnnotations;

namespace Nemo.Grains.Fencing;

/// <summary>
/// Single-writer fencing of organization activations, bound from <c>Nemo:Fencing</c>.
/// An activation admits only while its epoch was confirmed current within <see cref="LeaseDuration"/>,
/// measured from when the confirming query was sent; a new activation that found its predecessor
/// still marked active waits <see cref="RecoveryWindow"/> (≥ LeaseDuration) before admitting, so the
/// two never admit at the same time, and gateways re-present the reservations the old one held.
/// </summary>
public sealed class FencingOptions
{
    /// <summary>How often each silo re-confirms the epochs of its activations, in one query (default 300 ms).</summary>
    public TimeSpan ConfirmInterval { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// How long a confirmation lets an activation admit (default 1 s: three confirmation rounds, so one
    /// slow query doesn't stop admissions). Must exceed 2 × ConfirmInterval.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After an unclean takeover (the previous activation crashed, froze or still runs), how long the new
    /// activation admits nothing new while gateways re-present reservations (default 1.1 s). Must be at
    /// least LeaseDuration.
    /// </summary>
    public TimeSpan RecoveryWindow { get; set; } = TimeSpan.FromSeconds(1.1);

    public IEnumerable<ValidationResult> Validate()
    {
        if (ConfirmInterval <= TimeSpan.Zero)
            yield return new ValidationResult($"Nemo:Fencing:ConfirmInterval must be positive (currently {ConfirmInterval}).");
        if (LeaseDuration <= ConfirmInterval * 2)
            yield return new ValidationResult($"Nemo:Fencing:LeaseDuration (currently {LeaseDuration}) must exceed twice ConfirmInterval (currently {ConfirmInterval}), or one slow confirmation stops admissions.");
        if (RecoveryWindow < LeaseDuration)
            yield return new ValidationResult($"Nemo:Fencing:RecoveryWindow (currently {RecoveryWindow}) must be at least LeaseDuration (currently {LeaseDuration}), or a frozen activation could still admit when the new one starts.");
    }
}
