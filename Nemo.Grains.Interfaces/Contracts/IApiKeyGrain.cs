namespace Nemo.Grains.Contracts;

/// <summary>Key status, the owner's role and the key's RPM/TPM buckets. Key: the key id.</summary>
public interface IApiKeyGrain : ISpendScopeGrain
{
    public const string TypeName = "key";
}
