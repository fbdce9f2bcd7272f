namespace Nemo.FakeUpstream;

/// <summary>A request the fake refuses with a 400 in OpenAI's error shape.</summary>
internal sealed class FakeRequestException(string message, string? param = null) : Exception(message)
{
    public string? Param { get; } = param;
}
