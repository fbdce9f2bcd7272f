namespace Nemo.Grains.Spend;

/// <summary>The expected per-request outcomes of an authorization: values, not exceptions.</summary>
public enum AuthorizeOutcome
{
    Admitted = 0,
    /// <summary>401: unknown, revoked, disabled or expired key.</summary>
    Unauthorized = 1,
    /// <summary>403: the key's role or scope forbids the request (e.g. a viewer's key).</summary>
    Forbidden = 2,
    /// <summary>402: credits or a budget would be exceeded.</summary>
    PaymentRequired = 3,
    /// <summary>429: an RPM/TPM bucket is empty.</summary>
    RateLimited = 4,
    /// <summary>The silo asked does not own the partition (any more): refresh routing and retry.</summary>
    NotOwner = 5,
}
