using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;

namespace Nemo.Gateway.Admin.Http;

/// <summary>The JSON (snake_case) name of a validated member, for messages that name the field as the client sent it.</summary>
internal static class FieldName
{
    public static string Of(ValidationContext context) => JsonNamingPolicy.SnakeCaseLower.ConvertName(context.MemberName ?? context.DisplayName);
}

/// <summary>A text field (already trimmed): non-empty when present, and at most <see cref="MaxLength"/> characters.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TextAttribute(int maxLength) : ValidationAttribute
{
    public int MaxLength { get; } = maxLength;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text)
            return ValidationResult.Success;
        string name = FieldName.Of(validationContext);
        if (text.Length == 0)
            return new ValidationResult($"{name} must be a non-empty string.", [validationContext.MemberName!]);
        return text.Length <= MaxLength
            ? ValidationResult.Success
            : new ValidationResult($"{name} is {text.Length} characters long; at most {MaxLength} are allowed.", [validationContext.MemberName!]);
    }
}

/// <summary>A positive integer when present.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PositiveAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) => value switch
    {
        long n when n < 1 => new ValidationResult(
            $"{FieldName.Of(validationContext)} must be a positive integer (got {n.ToString(CultureInfo.InvariantCulture)}).", [validationContext.MemberName!]),
        _ => ValidationResult.Success,
    };
}
