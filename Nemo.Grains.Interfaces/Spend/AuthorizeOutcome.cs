namespace Nemo.Grains.Spend;

/// <summary>The expected per-request outcomes of an authorization: values, not exceptions.</summary>
[GenerateSerializer, Alias("nemo.authorize-outcome")]
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
    /// <summary>
    /// The activation asked was fenced (a newer activation of the organization exists) or could not
    /// confirm it is the only one: nothing was reserved; retry, and the call reaches the current one.
    /// </summary>
    Fenced = 5,
}
