using System.Text.Json;

namespace Nemo.Gateway.Admin.Audit;

/// <summary>One audit entry: who (actor), from where (ip), what (action on target), and the state before and after.</summary>
internal sealed record AuditRow(long Id, string Actor, string? Ip, string Action, string? Target, JsonElement? Before, JsonElement? After, DateTimeOffset CreatedAt);
