namespace Nemo.Gateway.Admin.Keys;

/// <summary>A PATCH of a key: null leaves a field as is; the Set flags tell "clear" (null sent) apart.</summary>
internal sealed record KeyChange(string? Name, bool? Disabled, bool SetRpm, long? Rpm, bool SetTpm, long? Tpm, bool SetExpiresAt, DateTimeOffset? ExpiresAt,
    bool SetModels = false, string[]? Models = null);
