namespace Nemo.Grains.Spend;

[GenerateSerializer, Alias("nemo.settle-outcome")]
public enum SettleOutcome
{
    /// <summary>The usage event is durable and the balances are debited.</summary>
    Settled = 0,
    /// <summary>An earlier attempt with the same request id is durable; nothing changed.</summary>
    AlreadySettled = 1,
    /// <summary>The activation asked was fenced by a newer one; nothing was written: retry.</summary>
    Fenced = 2,

    /// <summary>The request is recorded as abandoned (a zero-cost event): it is never billed.</summary>
    Abandoned = 3,
}
