using System.Diagnostics;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Bench;

/// <summary>
/// A bare nginx reverse proxy (Debian's package; <c>./nemo bench</c> installs it) on a loopback port in front of the
/// same upstream the gateway calls: HTTP/1.1 keep-alive both ways, no buffering, no logging. The bench measures it
/// beside direct and Nemo, as the least a proxy hop costs on this machine. It runs in the foreground under the
/// launcher and is stopped with it.
/// </summary>
internal sealed class NginxFloor : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;

    private NginxFloor(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    /// <summary>e.g. http://127.0.0.1:40123/v1 (the upstream's base path kept).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Starts nginx in front of <paramref name="upstream"/>, or returns null (with a note) when nginx is not installed.</summary>
    public static async Task<NginxFloor?> StartAsync(RepoLayout layout, Uri upstream, CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            Console.Error.WriteLine($"nemo: {Binary} is missing, so the bench runs without its nginx floor (install it: apt-get install -y nginx)");
            return null;
        }

        string directory = Path.Combine(layout.NemoDirectory, "bench", "nginx");
        Directory.CreateDirectory(directory);
        int port = LoopbackPorts.PickFree();
        string config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(directory, port, upstream), cancellationToken);
        var startInfo = new ProcessStartInfo(Binary) { UseShellExecute = false };
        foreach (string argument in (string[])["-p", directory, "-c", config, "-e", Path.Combine(directory, "error.log")])
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process = Process.Start(startInfo) ?? throw new LauncherException($"could not start {Binary}");
        var floor = new NginxFloor(process, new UriBuilder(upstream) { Port = port }.Uri);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (LoopbackPorts.IsFree(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                string log = LogTail.Read(Path.Combine(directory, "error.log"));
                await floor.DisposeAsync();
                throw new LauncherException($"nginx (the bench's floor) did not start listening on 127.0.0.1:{port}:\n{log}");
            }

            await Task.Delay(100, cancellationToken);
        }

        return floor;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            ProcessSignals.Terminate(_process.Id);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    /// <summary>
    /// One worker per core, keep-alive to the upstream (64 idle connections kept), responses relayed as they arrive
    /// (streams stay streams), no access log: the cheapest honest proxy nginx can be.
    /// </summary>
    private static string Config(string directory, int port, Uri upstream) => $$"""
        daemon off;
        master_process on;
        worker_processes auto;
        pid {{Path.Combine(directory, "nginx.pid")}};
        error_log {{Path.Combine(directory, "error.log")}} warn;
        events { worker_connections 4096; }
        http {
            access_log off;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            fastcgi_temp_path {{directory}}/fastcgi;
            uwsgi_temp_path {{directory}}/uwsgi;
            scgi_temp_path {{directory}}/scgi;
            keepalive_requests 1000000;
            upstream nemo_bench_upstream {
                server {{upstream.Host}}:{{upstream.Port}};
                keepalive 64;
            }
            server {
                listen 127.0.0.1:{{port}};
                location / {
                    proxy_pass http://nemo_bench_upstream;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_buffering off;
                    proxy_request_buffering off;
                }
            }
        }
        """;
}
