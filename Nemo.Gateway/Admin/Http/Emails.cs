namespace Nemo.Gateway.Admin.Http;

/// <summary>A deliberately simple email check: one @, a dot in the domain, no whitespace. Delivery is the real test.</summary>
internal static class Emails
{
    public const int MaxLength = 254;

    public static bool LooksValid(string email)
    {
        int at = email.IndexOf('@');
        return at > 0 && at == email.LastIndexOf('@') && email.IndexOf('.', at) > at + 1 && !email.EndsWith('.')
            && !email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or ';' or '<' or '>' or '"');
    }
}
