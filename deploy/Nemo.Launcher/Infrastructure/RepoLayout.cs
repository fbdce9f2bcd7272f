namespace Nemo.Launcher.Infrastructure;

/// <summary>
/// Every path the launcher touches. All state lives under <c>.nemo/</c> at the repository root
/// (gitignored); nothing is written elsewhere.
/// </summary>
internal sealed class RepoLayout(string root)
{
    private const string SolutionFile = "Nemo.sln";

    public string Root { get; } = root;

    public string NemoDirectory => Path.Combine(Root, ".nemo");

    public string PgDirectory => Path.Combine(NemoDirectory, "pg");

    public string PgDataDirectory => Path.Combine(PgDirectory, "data");

    public string PgLogFile => Path.Combine(PgDirectory, "log");

    public string PgSocketDirectory => Path.Combine(PgDirectory, "run");

    public string StateDirectory => Path.Combine(NemoDirectory, "state");

    public string RunDirectory => Path.Combine(NemoDirectory, "run");

    public string LogsDirectory => Path.Combine(NemoDirectory, "logs");

    public string TestResultsDirectory => Path.Combine(NemoDirectory, "test-results");

    public string PgPasswordFile => Path.Combine(StateDirectory, "pg_password");

    /// <summary>The password of <c>nemo_owner</c>, the non-superuser role that owns the <c>nemo</c> database and runs Nemo.</summary>
    public string PgOwnerPasswordFile => Path.Combine(StateDirectory, "pg_owner_password");

    public string MasterKeyFile => Path.Combine(StateDirectory, "master_key");

    public string DemoStateFile => Path.Combine(StateDirectory, "demo.json");

    public string ClusterFile => Path.Combine(RunDirectory, "cluster.json");

    public string LockFile => Path.Combine(RunDirectory, "launcher.lock");

    public string Solution => Path.Combine(Root, SolutionFile);

    /// <summary>A path relative to the root, for messages (".nemo/logs/gateway-1.log").</summary>
    public string Relative(string path) => Path.GetRelativePath(Root, path);

    /// <summary>The Release build output of a project: <c>{project}/bin/Release/net10.0/{dll}</c>.</summary>
    public string ReleaseOutput(string projectDirectory, string dll) =>
        Path.Combine(Root, projectDirectory, "bin", "Release", "net10.0", dll);

    /// <summary>
    /// <c>NEMO_ROOT</c> (set by <c>./nemo</c>) wins; otherwise the nearest folder holding Nemo.sln
    /// above the launcher's own binaries, then above the working directory.
    /// </summary>
    public static RepoLayout Discover()
    {
        var fromEnv = Environment.GetEnvironmentVariable("NEMO_ROOT");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return new RepoLayout(Path.GetFullPath(fromEnv));
        }

        var root = FindUpwards(AppContext.BaseDirectory) ?? FindUpwards(Environment.CurrentDirectory);
        return root is null
            ? throw new LauncherException($"cannot find the repository root ({SolutionFile} not found above {AppContext.BaseDirectory} nor {Environment.CurrentDirectory}); run ./nemo from the repository or set NEMO_ROOT")
            : new RepoLayout(root);
    }

    private static string? FindUpwards(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
