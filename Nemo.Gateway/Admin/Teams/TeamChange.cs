namespace Nemo.Gateway.Admin.Teams;

/// <summary>A PATCH of a team: null leaves a field as is; the Set flags tell "clear the limit" (null sent) apart.</summary>
internal sealed record TeamChange(string? Name, string? Status, bool SetRpm, long? Rpm, bool SetTpm, long? Tpm, bool SetModels = false, string[]? Models = null);
