using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Nemo.Gateway.Admin.Http;

namespace Nemo.Gateway.Admin.Teams;

// Request records are public: .NET's validation source generator validates only public types (the gateway's
// other types stay internal).

/// <summary><c>POST /v1/teams</c>: a name and optional RPM/TPM limits.</summary>
public sealed record CreateTeamRequest : IAdminRequest<CreateTeamRequest>
{
    [Text(TeamLimits.MaxName)]
    public required string Name { get; init; }

    [Positive]
    public long? Rpm { get; init; }

    [Positive]
    public long? Tpm { get; init; }
}

/// <summary>
/// <c>PATCH /v1/teams/{id}</c>: each field absent (kept) or present; null clears <c>rpm</c>, <c>tpm</c> and
/// <c>models</c> (every model), and is refused for <c>name</c> and <c>status</c>.
/// </summary>
public sealed record UpdateTeamRequest : IAdminRequest<UpdateTeamRequest>, IPatchBody, IValidatableObject
{
    [JsonConverter(typeof(OptionalConverter<string>))]
    public Optional<string> Name { get; init; }

    [JsonConverter(typeof(OptionalConverter<string>))]
    public Optional<string> Status { get; init; }

    [JsonConverter(typeof(OptionalConverter<long?>))]
    public Optional<long?> Rpm { get; init; }

    [JsonConverter(typeof(OptionalConverter<long?>))]
    public Optional<long?> Tpm { get; init; }

    [JsonConverter(typeof(OptionalConverter<string[]>))]
    public Optional<string[]> Models { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Name is { IsSet: true, Value: null })
            yield return new ValidationResult("name cannot be null; leave it out to keep the current value.", [nameof(Name)]);
        else if (Name.Value is { Length: 0 })
            yield return new ValidationResult("name must be a non-empty string.", [nameof(Name)]);
        else if (Name.Value is { Length: > TeamLimits.MaxName } name)
            yield return new ValidationResult($"name is {name.Length} characters long; at most {TeamLimits.MaxName} are allowed.", [nameof(Name)]);
        if (Status is { IsSet: true, Value: not ("active" or "disabled") })
            yield return new ValidationResult($"status must be active or disabled (got '{Status.Value ?? "null"}').", [nameof(Status)]);
        if (Rpm.Value is < 1)
            yield return new ValidationResult($"rpm must be a positive integer (got {Rpm.Value}).", [nameof(Rpm)]);
        if (Tpm.Value is < 1)
            yield return new ValidationResult($"tpm must be a positive integer (got {Tpm.Value}).", [nameof(Tpm)]);
        if (Models.Value is { } models && (models.Length > JsonInput.MaxModels || models.Any(string.IsNullOrEmpty)))
            yield return new ValidationResult($"models must be an array of at most {JsonInput.MaxModels} non-empty model names, or null for every model.", [nameof(Models)]);
    }
}

/// <summary>Limits of a team's fields.</summary>
internal static class TeamLimits
{
    public const int MaxName = 100;
}
