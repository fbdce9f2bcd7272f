namespace Nemo.Grains.Tenancy;

public enum KeyStatus
{
    Active = 0,
    Disabled = 1,
    Revoked = 2,
}
