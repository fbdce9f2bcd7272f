namespace Nemo.Gateway.Admin.Signup;

/// <summary>
/// Open signup (<c>Nemo:Gateway:SignupOpen</c>), bound from <c>Nemo:Signup</c> and validated at start-up:
/// how often one client address and everyone together may call <c>POST /v1/signup</c> and
/// <c>POST /v1/signup/verify</c>, and how long a verification token lasts. The operator's master key
/// is not limited.
/// </summary>
internal sealed class SignupOptions
{
    /// <summary>Signup calls one client address may make per <see cref="AddressWindow"/> (default 5).</summary>
    public int PermitsPerAddress { get; set; } = 5;

    /// <summary>The window of <see cref="PermitsPerAddress"/> (default 15 min).</summary>
    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Signup calls all addresses together may make per <see cref="OverallWindow"/> (default 60).</summary>
    public int PermitsOverall { get; set; } = 60;

    /// <summary>The window of <see cref="PermitsOverall"/> (default 1 min).</summary>
    public TimeSpan OverallWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the emailed verification token can be used (default 24 h).</summary>
    public TimeSpan VerificationTtl { get; set; } = TimeSpan.FromHours(24);
}
