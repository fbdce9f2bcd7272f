namespace Nemo.Grains.Contracts;

/// <summary>Team status and the team's RPM/TPM buckets. Key: the team id.</summary>
public interface ITeamGrain : ISpendScopeGrain
{
    public const string TypeName = "team";
}
