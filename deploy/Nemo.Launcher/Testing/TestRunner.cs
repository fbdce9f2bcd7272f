using Nemo.Launcher.Infrastructure;
using Nemo.Launcher.Postgres;

namespace Nemo.Launcher.Testing;

/// <summary>
/// Runs <c>dotnet test</c> on the (already built) solution against the private PostgreSQL, then
/// prints one closing line summed from the TRX files: <c>tests: N passed, N failed[, N skipped]</c>.
/// </summary>
internal sealed class TestRunner(RepoLayout layout)
{
    /// <summary>Superuser connection string to database <c>postgres</c>; tests create their own databases.</summary>
    public const string PostgresVariable = "NEMO_TEST_POSTGRES";

    /// <summary>What to test instead of Nemo.sln (a solution or project path); for checking the launcher itself.</summary>
    public const string TargetVariable = "NEMO_TEST_TARGET";

    public async Task<int> RunAsync(IReadOnlyList<string> extraArguments)
    {
        using var signal = new ShutdownSignal();
        var postgres = new PrivatePostgres(layout, PostgresSettings.FromEnvironment());
        var endpoint = await postgres.EnsureRunningAsync(signal.Token);

        int exitCode;
        try
        {
            ResetResultsDirectory();
            var target = Environment.GetEnvironmentVariable(TargetVariable) is { Length: > 0 } custom ? custom : layout.Solution;
            exitCode = await ExternalCommand.StreamAsync(
                DotnetHost.Path,
                [
                    "test", target, "-c", "Release", "--no-build",
                    // Default TRX names: one file per test project, made unique by the logger. A fixed
                    // LogFileName would be overwritten by each project in turn.
                    "--logger", "trx",
                    "--results-directory", layout.TestResultsDirectory,
                    // A test that hangs (a node that never exits, a wait with no bound) fails the run with
                    // a dump instead of holding it until CI's limit.
                    "--blame-hang-timeout", "10m",
                    .. extraArguments,
                ],
                new Dictionary<string, string> { [PostgresVariable] = endpoint.ConnectionString(PostgresEndpoint.AdminDatabase) },
                layout.Root,
                signal.Token);
        }
        finally
        {
            if (endpoint.StartedHere)
            {
                await postgres.StopAsync();
            }
        }

        var counts = TrxReader.Summarize(Directory.EnumerateFiles(layout.TestResultsDirectory, "*.trx", SearchOption.AllDirectories));
        if (exitCode != 0)
        {
            Console.Error.WriteLine($"nemo: dotnet test exited with code {exitCode}");
        }

        if (counts.Passed + counts.Failed == 0)
        {
            Console.Error.WriteLine($"nemo: no test ran (no results in {layout.Relative(layout.TestResultsDirectory)})");
        }

        Console.WriteLine(counts.SummaryLine());
        if (signal.Token.IsCancellationRequested)
        {
            return 130;
        }

        return exitCode == 0 && counts.Failed == 0 && counts.Passed > 0 ? 0 : 1;
    }

    /// <summary>Only this run's TRX files may count, so earlier ones are removed first.</summary>
    private void ResetResultsDirectory()
    {
        if (Directory.Exists(layout.TestResultsDirectory))
        {
            Directory.Delete(layout.TestResultsDirectory, recursive: true);
        }

        Directory.CreateDirectory(layout.TestResultsDirectory);
    }
}
