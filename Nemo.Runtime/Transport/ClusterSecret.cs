using System.Security.Cryptography;
using System.Text;

namespace Nemo.Runtime.Transport;

/// <summary>
/// The token nodes present to each other on silo calls (header <c>x-nemo-cluster-token</c>): derived
/// from the operator's master key, which every node has, so no second secret needs distributing.
/// </summary>
public sealed class ClusterSecret
{
    public const string HeaderName = "x-nemo-cluster-token";

    public ClusterSecret(string masterKey)
    {
        if (string.IsNullOrWhiteSpace(masterKey))
            throw new InvalidOperationException("NEMO_MASTER_KEY is not set; every Nemo node needs the operator's master key (e.g. export NEMO_MASTER_KEY=nemo-mk-…).");
        Token = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("nemo-cluster-v1:" + masterKey)));
        TokenBytes = Encoding.ASCII.GetBytes(Token);
    }

    public string Token { get; }

    private byte[] TokenBytes { get; }

    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), TokenBytes);
}
