using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Nemo.Gateway.Experiments;

/// <summary>
/// A running experiment as the request path knows it. <see cref="Assign"/> is the split: SHA-256 of the
/// experiment id and the customer id, taken modulo the total weight, picks a variant by cumulative weight —
/// uniform over customers, the same variant for a customer every time (and independent between two
/// experiments). SHA-256 rather than a hand-written hash: it is built in, uniform on similar ids
/// ("customer-1", "customer-2", …) and costs well under a microsecond here.
/// </summary>
internal sealed class ExperimentEntry(Guid id, string? matchModel, Guid? matchPromptId, ExperimentVariant[] variants)
{
    private readonly long _totalWeight = variants.Sum(v => (long)v.Weight);

    public Guid Id => id;

    public string? MatchModel => matchModel;

    public Guid? MatchPromptId => matchPromptId;

    public IReadOnlyList<ExperimentVariant> Variants => variants;

    public ExperimentVariant Assign(string stickyKey)
    {
        int length = 16 + Encoding.UTF8.GetMaxByteCount(stickyKey.Length);
        byte[]? rented = length > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> input = rented ?? stackalloc byte[length];
        try
        {
            id.TryWriteBytes(input);
            int written = 16 + Encoding.UTF8.GetBytes(stickyKey, input[16..]);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(input[..written], hash);
            ulong bucket = BinaryPrimitives.ReadUInt64LittleEndian(hash) % (ulong)_totalWeight;
            ulong cumulative = 0;
            foreach (ExperimentVariant variant in variants)
            {
                cumulative += (ulong)variant.Weight;
                if (bucket < cumulative)
                    return variant;
            }
            return variants[^1];
        }
        finally
        {
            if (rented is not null)
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
