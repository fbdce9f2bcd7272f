using System.Text;

namespace Nemo.Bench.Cli;

/// <summary>Renders the invocation for the report, with API keys redacted so output can go into docs.</summary>
internal static class CommandLineText
{
    private static readonly string[] SecretFlags = ["--direct-key", "--nemo-key", "--faulty-key"];

    public static string Redacted(ReadOnlySpan<string> args)
    {
        var text = new StringBuilder("dotnet Nemo.Bench.dll");
        bool redactNext = false;
        foreach (string arg in args)
        {
            text.Append(' ');
            if (redactNext)
            {
                text.Append("***");
                redactNext = false;
                continue;
            }

            string? inlineFlag = InlineSecretFlag(arg);
            if (inlineFlag is not null)
            {
                text.Append(inlineFlag).Append(arg[inlineFlag.Length]).Append("***");
                continue;
            }

            redactNext = Array.IndexOf(SecretFlags, arg) >= 0;
            text.Append(Quote(arg));
        }

        return text.ToString();
    }

    private static string? InlineSecretFlag(string arg)
    {
        foreach (string flag in SecretFlags)
        {
            if (arg.Length > flag.Length && arg.StartsWith(flag, StringComparison.Ordinal)
                && (arg[flag.Length] == '=' || arg[flag.Length] == ':'))
            {
                return flag;
            }
        }

        return null;
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.AsSpan().IndexOfAny(" \t\"'") < 0 ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}
