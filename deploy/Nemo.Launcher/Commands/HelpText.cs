using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Nemo.Launcher.Commands;

/// <summary>
/// Help for <c>./nemo</c>, <c>./nemo help</c> and <c>--help</c>: the generated usage plus the
/// environment variables and state files, which System.CommandLine has no section for.
/// </summary>
internal static class HelpText
{
    private const string Footer = """
        Environment:
          NEMO_PG_PORT       port of the private PostgreSQL on 127.0.0.1 (default 54329)
          NEMO_SKIP_BUILD=1  ./nemo runs without building Nemo.sln first
          NEMO_TEST_TARGET   solution or project that ./nemo test runs instead of Nemo.sln
          NEMO_ROOT          repository root (set by ./nemo)

        State (gitignored): .nemo/pg (PostgreSQL data and log), .nemo/state (passwords, master key,
        demo organization), .nemo/run/cluster.json, .nemo/logs, .nemo/test-results.
        """;

    public static void Install(Command root)
    {
        var helpOption = root.Options.OfType<HelpOption>().Single();
        helpOption.Action = new WithFooter((HelpAction)helpOption.Action!);

        var help = new Command("help", "Show this help.");
        help.SetAction(_ => root.Parse(["--help"]).Invoke());
        root.Add(help);
        root.SetAction(_ => root.Parse(["--help"]).Invoke());
    }

    private sealed class WithFooter(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var exitCode = inner.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(Footer);
            return exitCode;
        }
    }
}
