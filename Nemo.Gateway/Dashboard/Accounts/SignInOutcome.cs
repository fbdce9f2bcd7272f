namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>The result of a password sign-in: the account on success, else why not (never whether the email exists).</summary>
internal sealed record SignInOutcome(Guid? UserId, Guid SecurityStamp, bool LockedOut)
{
    public static readonly SignInOutcome Failed = new(null, Guid.Empty, false);

    public static readonly SignInOutcome Locked = new(null, Guid.Empty, true);

    public bool Succeeded => UserId is not null;
}
