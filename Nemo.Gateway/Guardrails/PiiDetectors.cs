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
/// through <see cref="RegexMatcher"/> instead (non-backtracking engine, with a match timeout). These fixed
/// patterns have no timeout: every repetition in them is bounded and unambiguous, so their time is linear
/// in the (size-limited) text, and a timeout would only fire when the node is starved of CPU — turning
/// load into false hits. (Measured: a 100 ms timeout fired on a loaded 2-core machine.)
/// </summary>
internal static partial class PiiDetectors
{
    private const int TimeoutMs = Timeout.Infinite;

    /// <summary>The documented prefixes of the secrets below: text without any of them can't hold one (the regex is skipped).</summary>
    private static readonly System.Buffers.SearchValues<string> SecretPrefixes = System.Buffers.SearchValues.Create(
        ["sk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "AIza",
         "sk_live_", "sk_test_", "rk_live_", "rk_test_", "eyJ", "-----BEGIN "], StringComparison.Ordinal);

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
        if (entities.HasFlag(PiiEntity.Secret) && text.AsSpan().IndexOfAny(SecretPrefixes) >= 0)
            Add(Secret(), text, "[REDACTED:SECRET]", matches, null);
        if (entities.HasFlag(PiiEntity.Email))
            FindEmails(text, matches);
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

    /// <summary>
    /// E-mail addresses, found from each '@' outwards: a local part of up to 64 of <c>A-Z a-z 0-9 . _ % + -</c>
    /// starting with a letter or digit, and a domain of at least two labels (letters, digits, '-'; each
    /// starting with a letter or digit) whose last is 2–24 letters. Anywhere in the text, so also inside a URL
    /// ("https://x.test/?to=ann@example.com") or after "mailto:". Hand-written rather than a regex: a pattern
    /// must try every letter of the text as a possible start (measured ~30 µs on 2 KB); anchoring on '@' is ~1 µs.
    /// </summary>
    private static void FindEmails(string text, List<TextMatch> matches)
    {
        int at = text.IndexOf('@');
        while (at >= 0)
        {
            int start = at;
            while (start > 0 && at - start < 64 && (char.IsAsciiLetterOrDigit(text[start - 1]) || text[start - 1] is '.' or '_' or '%' or '+' or '-'))
                start--;
            while (start < at && !char.IsAsciiLetterOrDigit(text[start]))
                start++;
            int end = start < at ? DomainEnd(text, at + 1) : -1;
            if (end > 0)
            {
                matches.Add(new TextMatch(start, end - start, "[REDACTED:EMAIL]"));
                at = text.IndexOf('@', end);
            }
            else
            {
                at = text.IndexOf('@', at + 1);
            }
        }
    }

    /// <summary>Where a domain starting at <paramref name="from"/> ends (after its last all-letter label), or -1.</summary>
    private static int DomainEnd(string text, int from)
    {
        int position = from, labels = 0, end = -1;
        while (position < text.Length && char.IsAsciiLetterOrDigit(text[position]))
        {
            int labelStart = position++;
            while (position < text.Length && position - labelStart < 63 && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '-'))
                position++;
            labels++;
            ReadOnlySpan<char> label = text.AsSpan(labelStart, position - labelStart);
            if (labels >= 2 && label.Length is >= 2 and <= 24 && !label.ContainsAnyExcept(AsciiLetters))
                end = position;
            if (position + 1 < text.Length && text[position] == '.' && char.IsAsciiLetterOrDigit(text[position + 1]))
                position++;
            else
                break;
        }
        bool followedByLabelChar = end >= 0 && end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '-');
        return followedByLabelChar ? -1 : end;
    }

    private static readonly System.Buffers.SearchValues<char> AsciiLetters = System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

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
