using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Postgres;

/// <summary>
/// The private PostgreSQL cluster under <c>.nemo/pg</c>: initialized once (initdb, scram-sha-256,
/// generated superuser password in <c>.nemo/state/pg_password</c>), listening only on
/// 127.0.0.1:<see cref="PostgresSettings.Port"/>, reused when already running.
/// </summary>
internal sealed class PrivatePostgres(RepoLayout layout, PostgresSettings settings)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Starts the server if needed and makes sure the <c>nemo</c> database exists.</summary>
    public async Task<PostgresEndpoint> EnsureRunningAsync(CancellationToken cancellationToken)
    {
        var binaries = PostgresInstallation.Locate(layout.PgDataDirectory);
        var user = new PostgresUser(binaries, layout.PgDirectory);
        await PrepareDirectoriesAsync();

        var password = SecretFile.ReadOrCreate(layout.PgPasswordFile, () => SecretFile.RandomBase62(32), out var newPassword);
        var initialized = File.Exists(Path.Combine(layout.PgDataDirectory, "PG_VERSION"));
        if (initialized && newPassword)
        {
            File.Delete(layout.PgPasswordFile);
            throw new LauncherException(
                $"{layout.Relative(layout.PgDataDirectory)} exists but its superuser password ({layout.Relative(layout.PgPasswordFile)}) is gone; delete {layout.Relative(layout.PgDirectory)} to start over with an empty database");
        }

        if (!initialized)
        {
            await InitializeAsync(user, binaries, password, cancellationToken);
        }

        var endpoint = await IsRunningAsync(user, cancellationToken)
            ? Reuse(password)
            : await StartAsync(user, password, cancellationToken);

        try
        {
            var ownerPassword = SecretFile.ReadOrCreate(layout.PgOwnerPasswordFile, () => SecretFile.RandomBase62(32), out _);
            var app = await DatabaseBootstrap.EnsureDatabaseAsync(endpoint, PostgresEndpoint.AppDatabase, ownerPassword, cancellationToken);
            return endpoint with { AppConnectionString = app };
        }
        catch when (endpoint.StartedHere)
        {
            await StopAsync(); // the caller never saw the endpoint, so it could not stop it
            throw;
        }
    }

    /// <summary>Fast shutdown (active sessions are disconnected). False if it was not running.</summary>
    public async Task<bool> StopAsync()
    {
        if (PostgresInstallation.FindInstalled().Count == 0 || !File.Exists(Path.Combine(layout.PgDataDirectory, "PG_VERSION")))
        {
            return false;
        }

        var user = new PostgresUser(PostgresInstallation.Locate(layout.PgDataDirectory), layout.PgDirectory);
        if (!await IsRunningAsync(user, CancellationToken.None))
        {
            return false;
        }

        var result = await user.RunAsync("pg_ctl", ["stop", "-D", layout.PgDataDirectory, "-m", "fast", "-w", "-t", "60"]);
        if (!result.Succeeded && !await IsRunningAsync(user, CancellationToken.None))
        {
            return false; // stopped by someone else meanwhile (./nemo down racing a foreground ./nemo up)
        }

        if (!result.Succeeded)
        {
            throw new LauncherException($"pg_ctl stop failed: {result.Output}\n  server log {layout.Relative(layout.PgLogFile)}:\n{LogTail.Read(layout.PgLogFile)}");
        }

        return true;
    }

    /// <summary>The running server's pid file, or null when it is not running.</summary>
    public async Task<PostmasterPidFile?> StatusAsync()
    {
        if (PostgresInstallation.FindInstalled().Count == 0 || !File.Exists(Path.Combine(layout.PgDataDirectory, "PG_VERSION")))
        {
            return null;
        }

        var user = new PostgresUser(PostgresInstallation.Locate(layout.PgDataDirectory), layout.PgDirectory);
        return await IsRunningAsync(user, CancellationToken.None) ? PostmasterPidFile.TryRead(layout.PgDataDirectory) : null;
    }

    private async Task PrepareDirectoriesAsync()
    {
        Directory.CreateDirectory(layout.StateDirectory);
        File.SetUnixFileMode(layout.StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(layout.PgSocketDirectory);
        File.SetUnixFileMode(layout.PgDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        PostgresUser.EnsureTraversable(layout.PgDirectory);
        await PostgresUser.GiveAsync(layout.PgDirectory, layout.PgSocketDirectory);
    }

    private async Task InitializeAsync(PostgresUser user, PostgresBinaries binaries, string password, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"nemo: initializing private PostgreSQL {binaries.Major} in {layout.Relative(layout.PgDataDirectory)}");

        // initdb reads the password from a file; this one lives inside .nemo/pg (0700, postgres) for the
        // few milliseconds initdb needs, because the state directory is not readable by that user.
        var passwordFile = Path.Combine(layout.PgDirectory, "initdb.pw");
        SecretFile.WriteOwnerOnly(passwordFile, password + "\n");
        try
        {
            await PostgresUser.GiveAsync(passwordFile);
            var result = await user.RunAsync(
                "initdb",
                ["-D", layout.PgDataDirectory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C"],
                cancellationToken);
            if (!result.Succeeded)
            {
                throw new LauncherException($"initdb failed (exit {result.ExitCode}):\n{result.Output}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }

        await File.AppendAllTextAsync(Path.Combine(layout.PgDataDirectory, "postgresql.conf"), PostgresConfig.IncludeLine, cancellationToken);
    }

    /// <summary>pg_ctl status: exit 0 when a live postmaster owns the data directory (stale pid files don't count).</summary>
    private async Task<bool> IsRunningAsync(PostgresUser user, CancellationToken cancellationToken)
    {
        var result = await user.RunAsync("pg_ctl", ["status", "-D", layout.PgDataDirectory], cancellationToken);
        return result.Succeeded;
    }

    private PostgresEndpoint Reuse(string password)
    {
        var pidFile = PostmasterPidFile.TryRead(layout.PgDataDirectory)
            ?? throw new LauncherException($"the private PostgreSQL runs but {layout.Relative(layout.PgDataDirectory)}/postmaster.pid is unreadable");
        if (pidFile.Port != settings.Port)
        {
            throw new LauncherException(
                $"the private PostgreSQL is already running on port {pidFile.Port}, but {PostgresSettings.PortVariable} asks for {settings.Port}; run ./nemo down first, or set {PostgresSettings.PortVariable}={pidFile.Port}");
        }

        return new PostgresEndpoint(pidFile.Port, password, pidFile.Pid, StartedHere: false);
    }

    private async Task<PostgresEndpoint> StartAsync(PostgresUser user, string password, CancellationToken cancellationToken)
    {
        if (!LoopbackPorts.IsFree(settings.Port))
        {
            throw new LauncherException(
                $"port {settings.Port} on 127.0.0.1 is already in use by another program, so the private PostgreSQL can't listen there; set {PostgresSettings.PortVariable} to a free port (currently {settings.Port})");
        }

        var configFile = Path.Combine(layout.PgDataDirectory, PostgresConfig.FileName);
        await File.WriteAllTextAsync(configFile, PostgresConfig.Render(settings.Port, layout.PgSocketDirectory), cancellationToken);
        await PostgresUser.GiveAsync(configFile);

        var result = await user.RunAsync(
            "pg_ctl",
            ["start", "-D", layout.PgDataDirectory, "-l", layout.PgLogFile, "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString()],
            cancellationToken);
        if (!result.Succeeded)
        {
            throw new LauncherException(
                $"the private PostgreSQL did not start (pg_ctl exit {result.ExitCode}): {result.Output}\n  last lines of {layout.Relative(layout.PgLogFile)}:\n{LogTail.Read(layout.PgLogFile)}");
        }

        var pidFile = PostmasterPidFile.TryRead(layout.PgDataDirectory);
        Console.Error.WriteLine($"nemo: private PostgreSQL started on 127.0.0.1:{settings.Port} (pid {pidFile?.Pid})");
        return new PostgresEndpoint(settings.Port, password, pidFile?.Pid ?? 0, StartedHere: true);
    }
}
