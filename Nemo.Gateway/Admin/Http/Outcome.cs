using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>An expected result of an admin operation: a value, or the error to answer with (nothing was changed).</summary>
internal readonly record struct Outcome<T>(T? Value, OpenAIError Error, bool Ok)
{
    public static Outcome<T> Success(T value) => new(value, default, true);

    public static implicit operator Outcome<T>(OpenAIError error) => new(default, error, false);
}
