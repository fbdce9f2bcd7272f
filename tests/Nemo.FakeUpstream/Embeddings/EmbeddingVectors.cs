namespace Nemo.FakeUpstream;

/// <summary>Deterministic unit-length vectors: the same input always gets the same embedding.</summary>
internal static class EmbeddingVectors
{
    public static void Fill(ulong seed, Span<float> vector)
    {
        var state = seed | 1;
        double norm = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            // xorshift64*: cheap, deterministic, good enough for fake vectors.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            var bits = (state * 2685821657736338717UL) >> 40;
            var value = (float)((bits / (double)(1UL << 24) * 2.0) - 1.0);
            vector[i] = value;
            norm += value * value;
        }

        if (norm <= 0)
        {
            vector[0] = 1;
            return;
        }

        var scale = (float)(1.0 / Math.Sqrt(norm));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }
}
