using System.Text;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// The output a client received, as text, counted in tokens at the end: tokenizing each stream chunk
/// on its own would count word pieces at every chunk edge (3 tokens for "lorem " instead of about 1).
/// Memory stays bounded: every 64 Ki characters the text so far is counted and dropped (at most one
/// extra token per such edge).
/// </summary>
internal sealed class OutputTally
{
    private const int FlushChars = 64 * 1024;
    private readonly StringBuilder _text = new();
    private long _counted;

    /// <summary>Adds the output text of one response body or stream chunk (see <see cref="TokenCounter.CollectOutput"/>).</summary>
    public void Add(ReadOnlySpan<byte> json)
    {
        _counted += TokenCounter.CollectOutput(json, _text);
        if (_text.Length >= FlushChars)
            Flush();
    }

    public long Tokens
    {
        get
        {
            Flush();
            return _counted;
        }
    }

    private void Flush()
    {
        _counted += TokenCounter.CountText(_text.ToString());
        _text.Clear();
    }
}
