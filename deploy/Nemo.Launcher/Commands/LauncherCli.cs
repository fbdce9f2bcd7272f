using System.CommandLine;
using System.CommandLine.Help;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Commands;

/// <summary>The command table of <c>./nemo</c>, and how failures reach the operator.</summary>
internal static class LauncherCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var layout = RepoLayout.Discover();
            // A plain command rather than RootCommand, so usage reads "nemo …" and not the dll's name.
            var root = new Command("nemo", "Nemo: run a local multi-tenant LLM gateway cluster, its tests and its benchmark.")
            {
                new HelpOption(),
                UpCommand.Create(layout),
                DownCommand.Create(layout),
                StatusCommand.Create(layout),
                TestCommand.Create(layout),
                BenchCommand.Create(layout),
            };
            HelpText.Install(root);

            // Signals are handled by each command (ShutdownSignal), which must outlive the
            // library's default 2-second grace to stop processes in order.
            var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
            return await root.Parse(args).InvokeAsync(configuration);
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>Prints a failure: the message alone for expected ones, the whole exception for bugs.</summary>
    public static int Report(Exception exception)
    {
        if (exception is LauncherException expected)
        {
            Console.Error.WriteLine($"nemo: error: {expected.Message}");
            return expected.ExitCode;
        }

        Console.Error.WriteLine($"nemo: unexpected failure (a launcher bug): {exception}");
        return 70;
    }
}
