using System.CommandLine;
using Nemo.Launcher.Infrastructure;
using Nemo.Launcher.Testing;

namespace Nemo.Launcher.Commands;

/// <summary><c>test [dotnet test args…]</c>: every test against the private PostgreSQL; extra args (e.g. <c>--filter X</c>) go to dotnet test.</summary>
internal static class TestCommand
{
    public static Command Create(RepoLayout layout)
    {
        var command = new Command(
            "test",
            $"Run every test (dotnet test, Release, already built) with {TestRunner.PostgresVariable} pointing at the private PostgreSQL. The metrics tests start Debian's prometheus and the console tests drive Debian's chromium (headless); ./nemo installs both when missing. Unrecognized arguments, e.g. --filter X, are passed to dotnet test.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parseResult, _) => new TestRunner(layout).RunAsync(parseResult.UnmatchedTokens));
        return command;
    }
}
