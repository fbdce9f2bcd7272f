using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Nemo.Gateway.Guardrails;

/// <summary>
/// The built-in detectors of a <c>pii</c> guardrail. Each is a fixed, source-generated pattern written
/// without nested unbounded repetition (so it runs in linear time on any input; a match timeout stays as
/// a backstop), followed where the format has one by its checksum: card numbers pass only with a valid
/// Luhn digit, IBANs only with a valid ISO 7064 mod-97 check, IP addresses only when
/// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> accepts them. Tenant-written patterns go
/// through <see cref="RegexMatcher"/> instead (non-backtracking engine).
/// </summary>
internal static partial class PiiDetectors
{
    private const int TimeoutMs = 100;

    // An address anywhere, also inside a URL ("https://x.test/?to=ann@example.com") or after "mailto:".
    [GeneratedRegex(@"[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])",
        RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Email();

    // International (+CC …) or grouped national numbers with separators: 9–15 digits, checked below.
    [GeneratedRegex(@"(?<![\w.+-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{2,4}[ .-])\d{2,4}[ .-]\d{2,4}(?:[ .-]\d{2,4})?(?!\.?\d)(?!\w)|(?<![\w+])\+\d{9,15}(?!\w)",
        RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Phone();

    // 13–19 digits, optionally grouped by single spaces or dashes; Luhn decides.
    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])", RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Card();

    // Country code, check digits, then 11–30 alphanumerics, optionally in groups of four; mod-97 decides.
    [GeneratedRegex(@"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])", RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Iban();

    // AAA-GG-SSSS with the Social Security Administration's never-issued ranges excluded.
    [GeneratedRegex(@"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])", RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Ssn();

    [GeneratedRegex(@"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)(?!\w)", RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex IPv4();

    // Candidates with at least two colons; IPAddress.TryParse decides (so "12:30:45" is not one).
    [GeneratedRegex(@"(?<![\w:])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{1,37}(?![\w:])", RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex IPv6();

    // Provider keys by their documented prefixes (OpenAI and Nemo sk-…, AWS access key ids, GitHub, Slack,
    // Google, Stripe), JSON web tokens, and PEM private-key blocks (the header alone is enough).
    [GeneratedRegex(
        @"(?<![A-Za-z0-9])(?:sk-(?:proj-|nemo-|ant-)?[A-Za-z0-9_-]{20,200}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abprs]-[A-Za-z0-9-]{10,200}|AIza[0-9A-Za-z_-]{35}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,200}|eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000})(?![A-Za-z0-9])"
        + @"|-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s:,-]{0,16384}-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----)?",
        RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Secret();

    /// <summary>Adds the matches of every entity in <paramref name="entities"/>.</summary>
    public static bool Find(string text, PiiEntity entities, List<TextMatch> matches)
    {
        int before = matches.Count;
        if (entities.HasFlag(PiiEntity.Secret))
            Add(Secret(), text, "[REDACTED:SECRET]", matches, null);
        if (entities.HasFlag(PiiEntity.Email) && text.Contains('@'))
            Add(Email(), text, "[REDACTED:EMAIL]", matches, null);
        if (entities.HasFlag(PiiEntity.Iban))
            Add(Iban(), text, "[REDACTED:IBAN]", matches, IsIban);
        if (entities.HasFlag(PiiEntity.Card))
            Add(Card(), text, "[REDACTED:CARD]", matches, IsLuhn);
        if (entities.HasFlag(PiiEntity.Ssn) && text.Contains('-'))
            Add(Ssn(), text, "[REDACTED:SSN]", matches, null);
        if (entities.HasFlag(PiiEntity.Ip))
        {
            if (text.Contains('.'))
                Add(IPv4(), text, "[REDACTED:IP]", matches, IsIPv4);
            if (text.Contains(':'))
                Add(IPv6(), text, "[REDACTED:IP]", matches, IsIPv6);
        }
        if (entities.HasFlag(PiiEntity.Phone))
            Add(Phone(), text, "[REDACTED:PHONE]", matches, IsPhone);
        return matches.Count > before;
    }

    private static void Add(Regex regex, string text, string mask, List<TextMatch> matches, Func<ReadOnlySpan<char>, bool>? valid)
    {
        foreach (ValueMatch match in regex.EnumerateMatches(text))
        {
            if (valid is null || valid(text.AsSpan(match.Index, match.Length)))
                matches.Add(new TextMatch(match.Index, match.Length, mask));
        }
    }

    /// <summary>The Luhn check over the digits (separators skipped): 13–19 digits whose check digit is right.</summary>
    public static bool IsLuhn(ReadOnlySpan<char> candidate)
    {
        int sum = 0, digits = 0;
        for (int i = candidate.Length - 1; i >= 0; i--)
        {
            char c = candidate[i];
            if (c is ' ' or '-')
                continue;
            int d = c - '0';
            if ((digits & 1) == 1)
            {
                d *= 2;
                if (d > 9)
                    d -= 9;
            }
            sum += d;
            digits++;
        }
        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    /// <summary>ISO 13616: 15–34 characters; moved country code and check digits, letters as 10–35, mod 97 = 1.</summary>
    public static bool IsIban(ReadOnlySpan<char> candidate)
    {
        Span<char> compact = stackalloc char[40];
        int n = 0;
        foreach (char c in candidate)
        {
            if (c == ' ')
                continue;
            if (n == compact.Length)
                return false;
            compact[n++] = c;
        }
        if (n is < 15 or > 34)
            return false;
        int remainder = 0;
        for (int i = 0; i < n; i++)
        {
            char c = compact[(i + 4) % n];
            if (c is >= '0' and <= '9')
                remainder = (remainder * 10 + (c - '0')) % 97;
            else if (c is >= 'A' and <= 'Z')
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            else
                return false;
        }
        return remainder == 1;
    }

    private static bool IsIPv4(ReadOnlySpan<char> candidate)
    {
        foreach (Range part in candidate.Split('.'))
        {
            if (!int.TryParse(candidate[part], out int octet) || octet > 255 || (candidate[part].Length > 1 && candidate[part][0] == '0'))
                return false;
        }
        return true;
    }

    private static bool IsIPv6(ReadOnlySpan<char> candidate) =>
        candidate.ContainsAnyInRange('0', '9') | candidate.ContainsAnyInRange('a', 'f') | candidate.ContainsAnyInRange('A', 'F')
        && IPAddress.TryParse(candidate, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool IsPhone(ReadOnlySpan<char> candidate)
    {
        if (candidate.Count('.') == 3 && IsIPv4(candidate))
            return false; // a dotted quad is an address, not a number

        int digits = 0;
        foreach (char c in candidate)
        {
            if (char.IsAsciiDigit(c))
                digits++;
        }
        return digits is >= 9 and <= 15;
    }
}
