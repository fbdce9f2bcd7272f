namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>The type argument of Identity's <see cref="Microsoft.AspNetCore.Identity.PasswordHasher{TUser}"/> (which ignores it).</summary>
internal sealed record AccountUser(Guid UserId);
