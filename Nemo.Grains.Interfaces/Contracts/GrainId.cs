namespace Nemo.Grains.Contracts;

/// <summary>
/// A grain's identity: its type, the organization it belongs to (which fixes its partition, so all of
/// an organization's grains live on one silo) and a key unique within that type and organization.
/// </summary>
public readonly record struct GrainId(string Type, Guid OrganizationId, string Key)
{
    public override string ToString() => $"{Type}/{OrganizationId:N}/{Key}";
}
