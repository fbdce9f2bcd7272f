namespace Nemo.Gateway.Access;

/// <summary>The authentication schemes: how a caller proves who they are, one per surface.</summary>
internal static class AccessSchemes
{
    /// <summary>A member's <c>sk-nemo-…</c> key on the admin API (<see cref="ApiKeyAuthenticationHandler"/>).</summary>
    public const string ApiKey = "nemo-key";

    /// <summary>The operator's master key as a bearer token on the admin API (<see cref="MasterKeyAuthenticationHandler"/>).</summary>
    public const string Operator = "nemo-operator";

    /// <summary>The master key from a browser (HTTP Basic accepted), for the Orleans dashboard.</summary>
    public const string OperatorBrowser = "nemo-operator-browser";

    /// <summary>A person's console session cookie (registered by the console).</summary>
    public const string Console = "nemo-console";
}
