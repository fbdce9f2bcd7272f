using System.Text.Encodings.Web;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Writer options for every body: compact, and no \u0027-style escaping of quotes or
/// non-ASCII text (the bodies go to API clients, never into HTML).</summary>
internal static class JsonOutput
{
    public static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };
}
