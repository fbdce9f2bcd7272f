namespace Nemo.Gateway.Proxy;

/// <summary>
/// The rule for every client string that can reach storage (customer id, model name, …): valid
/// Unicode text — no NUL and no lone surrogate (PostgreSQL text can hold neither, and a settle that
/// fails on one would leave the tokens unbilled) — within a length limit in UTF-16 characters.
/// </summary>
internal static class ClientText
{
    /// <summary>The longest customer id, wherever it comes from (header, metadata.customer_id, user).</summary>
    public const int MaxCustomerLength = 256;

    public static bool IsValid(string text) => text.AsSpan().IndexOf('\0') < 0 && IsWellFormed(text);

    /// <summary>Null when <paramref name="text"/> is acceptable, else why not (for a 400 message).</summary>
    public static string? Problem(string text, int maxLength)
    {
        if (text.Length > maxLength)
            return $"is {text.Length} characters long; at most {maxLength} are allowed";
        if (text.AsSpan().IndexOf('\0') >= 0)
            return "contains a NUL character";
        if (!IsWellFormed(text))
            return "is not valid Unicode text (it contains a lone surrogate)";
        return null;
    }

    private static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i]))
                continue;
            if (!char.IsHighSurrogate(text[i]) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                return false;
            i++;
        }
        return true;
    }
}
