namespace Nemo.Grains.Spend;

public enum SettleOutcome
{
    /// <summary>The usage event is durable and the balances are debited.</summary>
    Settled = 0,
    /// <summary>An earlier attempt with the same request id is durable; nothing changed.</summary>
    AlreadySettled = 1,
    /// <summary>The silo asked does not own the partition (any more): refresh routing and retry.</summary>
    NotOwner = 2,
}
