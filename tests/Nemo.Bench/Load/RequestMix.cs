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

    /// <summary>
    /// The fake provider's fault modes a faulty tenant sends (tests/Nemo.FakeUpstream/README.md), each plain and streamed
    /// where both apply. Left out: the modes that only wait (hang, stall, error_hang): they hold a connection until a
    /// provider timeout and cost no CPU, and are tested in ./nemo test.
    /// </summary>
    private static readonly (string Mode, bool Stream)[] FaultModes =
    [
        ("cut", false), ("cut", true), ("error500", false), ("error429", true), ("error401", false), ("error403", true),
        ("redirect", false), ("bad_json", false), ("json_stream", true), ("no_done", true), ("end_early", true),
        ("no_usage", false), ("no_usage", true), ("bad_usage", false), ("bad_usage", true), ("big_error", false),
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

    /// <summary>Requests that each hit one of the fake provider's fault modes, in a seeded order.</summary>
    public static RequestMix CreateFaulty(int size = 256, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var entries = new MixEntry[size];
        for (int i = 0; i < size; i++)
        {
            (string mode, bool stream) = FaultModes[i % FaultModes.Length];
            string user = $"fake:mode={mode};cut_after=2" + (mode == "bad_usage" ? ";usage=-1" : string.Empty);
            entries[i] = new MixEntry(BuildBody(UserContent(random), stream, user), stream);
        }

        random.Shuffle(entries);
        return new RequestMix(entries, entries.Count(e => e.Stream) / (double)size);
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

    private static byte[] BuildBody(string userContent, bool stream, string? user = null)
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
            if (user is not null)
            {
                json.WriteString("user", user);
            }

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
