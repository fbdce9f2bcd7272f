namespace Nemo.Grains.Tenancy;

/// <summary>
/// A billing plan: the platform fee added on top of credit purchases (in basis points) and the default
/// organization RPM/TPM (null: no plan-level limit).
/// </summary>
public sealed record Plan(string Name, int FeeBasisPoints, long? DefaultRpm, long? DefaultTpm)
{
    public static readonly Plan Payg = new("payg", 400, 10_000, 2_000_000);
    public static readonly Plan Tier2 = new("tier2", 200, 30_000, 10_000_000);
    public static readonly Plan Tier3 = new("tier3", 0, 100_000, 50_000_000);
    public static readonly Plan Enterprise = new("enterprise", 0, null, null);

    public static IReadOnlyList<Plan> All { get; } = [Payg, Tier2, Tier3, Enterprise];

    public static Plan? Find(string? name) => All.FirstOrDefault(p => p.Name == name);

    /// <summary>The fee for a purchase, rounded up to the next nano.</summary>
    public long FeeFor(long amountNanos) => (long)(((Int128)amountNanos * FeeBasisPoints + 9_999) / 10_000);
}
