namespace Nemo.Gateway.Admin.Operator;

/// <summary>An operator's PATCH of an organization; the Set flags tell "clear" (null) from "leave as is".</summary>
internal sealed record OperatorChange(string? Plan, bool SetRpm, long? Rpm, bool SetTpm, long? Tpm, bool SetFee, int? FeeBasisPoints);
