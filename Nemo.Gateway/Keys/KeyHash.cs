using System.Buffers.Binary;

namespace Nemo.Gateway.Keys;

/// <summary>A SHA-256 key hash as a value type, so cache lookups allocate nothing.</summary>
internal readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    public static KeyHash FromBytes(ReadOnlySpan<byte> digest) => new(
        BinaryPrimitives.ReadUInt64BigEndian(digest),
        BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));

    public byte[] ToBytes()
    {
        var bytes = new byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, A);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), B);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), C);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(24), D);
        return bytes;
    }

    public string ToHex() => Convert.ToHexStringLower(ToBytes());
}
