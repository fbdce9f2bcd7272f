namespace Nemo.FakeUpstream;

/// <summary>One prompt or embedding input: its token count and a hash of its content.</summary>
internal readonly record struct TextInput(int Tokens, ulong Hash);
