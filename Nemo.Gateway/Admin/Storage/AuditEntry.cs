namespace Nemo.Gateway.Admin.Storage;

/// <summary>One row of the audit trail: who did what to which target, from where, with the state before and after.</summary>
internal sealed record AuditEntry(Guid? OrganizationId, string Actor, string? Ip, string Action, string Target, object? Before, object? After);
