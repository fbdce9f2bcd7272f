namespace Nemo.Gateway.Admin;

/// <summary>Admin API settings, bound from <c>Nemo:Admin</c> and validated at start-up.</summary>
internal sealed class AdminOptions
{
    /// <summary>Largest admin request body (JSON or CSV), in bytes (default 1 MiB); larger ones get 413.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most rows one page of a list (activity, audit) returns (default 500); the default page is 50.</summary>
    public int MaxPageSize { get; set; } = 500;

    /// <summary>Most invitations one CSV upload may create (default 1,000).</summary>
    public int MaxBulkInvitations { get; set; } = 1000;

    /// <summary>
    /// The public URL of the dashboard or gateway, used to build the accept link in invitation emails
    /// (e.g. https://nemo.example.com); unset: the email carries the token and the API call to make.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The values an organization's <c>region</c> setting may take (default auto, us, eu, apac).</summary>
    public string[] Regions { get; set; } = ["auto", "us", "eu", "apac"];

    /// <summary>How often pending invitations past their expiry are marked expired and audited (default 1 min).</summary>
    public TimeSpan InvitationSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
