using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Admin.Http;

namespace Nemo.Gateway.Dashboard.Forms;

/// <summary>
/// Reads a posted form's fields as hostile text: length-bounded, and refused when it holds NUL or a lone
/// surrogate (<see cref="ValidText"/>), with a message a person can act on.
/// </summary>
internal sealed class FormInput(IFormCollection form)
{
    public string? Error { get; private set; }

    public bool Ok => Error is null;

    public string Text(string name, string label, int maxLength, bool required = true)
    {
        string value = form[name].ToString().Trim();
        if (Error is not null)
            return value;
        if (required && value.Length == 0)
            Error = $"{label} is required.";
        else if (value.Length > maxLength)
            Error = $"{label} can be at most {maxLength} characters.";
        else if (ValidText.Problem(value) is { } problem)
            Error = $"{label} contains {problem}.";
        return value;
    }

    /// <summary>A password: never trimmed, never echoed back.</summary>
    public string Secret(string name, string label)
    {
        string value = form[name].ToString();
        if (Error is null && ValidText.Problem(value) is not null)
            Error = $"{label} contains characters that can't be used.";
        return value;
    }

    public Guid? Id(string name, string label)
    {
        string value = form[name].ToString().Trim();
        if (value.Length == 0)
            return null;
        if (Guid.TryParse(value, out Guid id))
            return id;
        Error ??= $"{label} is not a valid choice.";
        return null;
    }

    public long? Number(string name, string label, long min, long max)
    {
        string value = form[name].ToString().Trim();
        if (value.Length == 0)
            return null;
        if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) && n >= min && n <= max)
            return n;
        Error ??= $"{label} must be a whole number from {min} to {max}.";
        return null;
    }

    public bool Checked(string name) => form[name].ToString() is "on" or "true";
}
