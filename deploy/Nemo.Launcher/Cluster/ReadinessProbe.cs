using System.Net;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>Polls a child's HTTP endpoint until it answers 200, failing fast (with its log) if the child dies.</summary>
internal sealed class ReadinessProbe(HttpClient http, RepoLayout layout)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <param name="path">e.g. <c>/readyz</c>, or <c>/v1/models</c> for the fake upstream.</param>
    public async Task WaitAsync(ChildProcess child, string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var lastAnswer = "no answer yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ProcessSignals.IsAlive(child.Pid))
            {
                throw Failure(child, $"exited before it was ready ({child.DescribeExit()})");
            }

            try
            {
                using var response = await http.GetAsync(child.Url + path, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastAnswer = $"GET {path} answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                lastAnswer = $"GET {path}: {e.Message}";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastAnswer = $"GET {path} timed out";
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw Failure(child, $"was not ready after {Timeout.TotalSeconds:0} s (last: {lastAnswer})");
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }

    private LauncherException Failure(ChildProcess child, string what) =>
        new($"{child.Name} (pid {child.Pid}, {child.Url}) {what}; last lines of {layout.Relative(child.LogFile)}:\n{LogTail.Read(child.LogFile)}");
}
