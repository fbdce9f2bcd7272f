using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package; <c>./nemo test</c> installs it when missing)
/// started by a test on a loopback port, scraping the given Nemo nodes' <c>/metrics</c> every second,
/// with its storage in a temporary folder. Queries go through its HTTP API.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, string url)
    {
        _process = process;
        _directory = directory;
        Url = url;
        _http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Url { get; }

    /// <param name="ruleFiles">Alerting rule files to load (copied next to the configuration).</param>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> nodeUrls, IEnumerable<string>? ruleFiles = null)
    {
        string binary = FindBinary() ?? throw new InvalidOperationException(
            "The prometheus binary is not on PATH. ./nemo test installs it (apt-get install prometheus); install it by hand to run this test alone.");
        string directory = Directory.CreateTempSubdirectory("nemo-prometheus-").FullName;
        string targets = string.Join(", ", nodeUrls.Select(u => "'" + new Uri(u).Authority + "'"));
        string config = Path.Combine(directory, "prometheus.yml");
        var rules = new List<string>();
        foreach (string file in ruleFiles ?? [])
        {
            string copy = Path.Combine(directory, "rules-" + rules.Count + "-" + Path.GetFileName(file));
            File.Copy(file, copy);
            rules.Add("'" + copy + "'");
        }
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [{string.Join(", ", rules)}]
            scrape_configs:
              - job_name: nemo
                scrape_interval: 1s
                scrape_timeout: 900ms
                metrics_path: /metrics
                static_configs:
                  - targets: [{targets}]
            """);
        int port = Cluster.NodeProcess.FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string argument in new[]
                 {
                     "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                 })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var log = new StreamWriter(Path.Combine(directory, "prometheus.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, $"http://127.0.0.1:{port}");
        await server.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    private static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus")).FirstOrDefault(File.Exists);

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Log()}");
            try
            {
                using HttpResponseMessage ready = await _http.GetAsync("/-/ready");
                if (ready.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"prometheus was not ready within {timeout}:\n{Log()}");
    }

    /// <summary>An instant PromQL query: each series' labels (as one "k=v,…" text) and value.</summary>
    public async Task<Dictionary<string, double>> QueryAsync(string promql)
    {
        using HttpResponseMessage response = await _http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"query {promql}: {body}");
        using JsonDocument json = JsonDocument.Parse(body);
        var result = new Dictionary<string, double>();
        foreach (JsonElement series in json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            string labels = string.Join(",", series.GetProperty("metric").EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => p.Name + "=" + p.Value.GetString()));
            result[labels] = double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        return result;
    }

    /// <summary>Polls <paramref name="promql"/> until it returns <paramref name="expected"/> (series labels → value) or the timeout passes; returns the last answer.</summary>
    public async Task<Dictionary<string, double>> WaitForAsync(string promql, IReadOnlyDictionary<string, double> expected, double timeoutSeconds = 30)
    {
        var clock = Stopwatch.StartNew();
        Dictionary<string, double> last;
        do
        {
            last = await QueryAsync(promql);
            if (last.Count == expected.Count && expected.All(e => last.TryGetValue(e.Key, out double v) && v == e.Value))
                return last;
            await Task.Delay(250);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(timeoutSeconds));
        return last;
    }

    /// <summary>Every loaded rule: its name, health (ok, unknown before its first evaluation, err), last error and state.</summary>
    public async Task<List<(string Name, string Health, string? Error, string? State)>> RulesAsync()
    {
        using HttpResponseMessage response = await _http.GetAsync("/api/v1/rules");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using JsonDocument json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("health").GetString()!,
                r.TryGetProperty("lastError", out JsonElement e) ? e.GetString() : null, r.TryGetProperty("state", out JsonElement st) ? st.GetString() : null))];
    }

    public string Log()
    {
        try
        {
            using var stream = new FileStream(Path.Combine(_directory, "prometheus.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n').TakeLast(30));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
