using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Nemo.Bench.Load;

/// <summary>
/// The deterministic request mix: a fixed-seed sequence of chat-completion bodies, built once. Request number k of
/// every run sends entry k mod Count, so the direct and the Nemo run at a rate send exactly the same sequence.
/// </summary>
internal sealed class RequestMix
{
    public const int DefaultSeed = 42;
    public const int DefaultSize = 4096;
    public const string Model = "gpt-4o-mini";
    private const int UserContentLength = 200;

    private static readonly string[] Words =
    [
        "gateway", "latency", "summarise", "the", "following", "briefly", "token", "budget", "request", "routing",
        "provider", "answer", "in", "one", "line", "explain", "why", "cache", "stream", "usage", "a", "an", "of",
        "what", "is", "how", "does", "retry", "backoff", "quota", "limit", "model", "prompt", "reply", "short",
        "list", "three", "reasons", "for", "and", "with", "without", "please", "compare", "options", "cost",
    ];

    private readonly MixEntry[] _entries;

    private RequestMix(MixEntry[] entries, double streamShare)
    {
        _entries = entries;
        StreamShare = streamShare;
        int streams = 0;
        foreach (var entry in entries)
        {
            streams += entry.Stream ? 1 : 0;
        }

        StreamCount = streams;
    }

    public int Count => _entries.Length;

    public int StreamCount { get; }

    public double StreamShare { get; }

    /// <summary>The entry sent as request number <paramref name="sequence"/> of a run.</summary>
    public MixEntry this[long sequence] => _entries[(int)(sequence % _entries.Length)];

    public static RequestMix Create(double streamShare, int size = DefaultSize, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var entries = new MixEntry[size];
        for (int i = 0; i < size; i++)
        {
            // Exact share over the mix (error diffusion), placed deterministically: no run of the random generator
            // can make the realised share drift from --stream-share.
            bool stream = Math.Floor((i + 1) * streamShare) > Math.Floor(i * streamShare);
            entries[i] = new MixEntry(BuildBody(UserContent(random), stream), stream);
        }

        // Shuffle (seeded) so streaming requests are not evenly spaced in time.
        random.Shuffle(entries);
        return new RequestMix(entries, streamShare);
    }

    private static string UserContent(Random random)
    {
        var text = new StringBuilder(UserContentLength + 16);
        while (text.Length < UserContentLength)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(Words[random.Next(Words.Length)]);
        }

        text.Length = UserContentLength;
        return text.ToString().TrimEnd();
    }

    private static byte[] BuildBody(string userContent, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", Model);
            json.WriteStartArray("messages");
            WriteMessage(json, "system", "You are terse.");
            WriteMessage(json, "user", userContent);
            json.WriteEndArray();
            json.WriteNumber("max_tokens", 32);
            if (stream)
            {
                json.WriteBoolean("stream", true);
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter json, string role, string content)
    {
        json.WriteStartObject();
        json.WriteString("role", role);
        json.WriteString("content", content);
        json.WriteEndObject();
    }
}
