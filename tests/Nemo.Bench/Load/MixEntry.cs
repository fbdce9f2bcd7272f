namespace Nemo.Bench.Load;

/// <summary>One prebuilt request of the mix: its JSON body (reused by every send) and whether it streams.</summary>
internal sealed record MixEntry(byte[] Body, bool Stream);
