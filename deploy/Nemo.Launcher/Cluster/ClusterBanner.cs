namespace Nemo.Launcher.Cluster;

/// <summary>What an operator needs once the cluster is up: where it is, a key, and a request to paste.</summary>
internal static class ClusterBanner
{
    public static void Print(RunningCluster cluster, Topology topology, bool detached)
    {
        var manifest = cluster.Manifest;
        var gateway = manifest.GatewayUrls[0];
        Console.WriteLine();
        Console.WriteLine($"Nemo is up ({topology}).");
        foreach (var url in manifest.GatewayUrls)
        {
            Console.WriteLine($"  gateway      {url}   (OpenAI base URL: {url}/v1)");
        }

        if (manifest.ConsoleUrl is not null)
        {
            Console.WriteLine($"  console      {manifest.ConsoleUrl}");
            if (manifest.DemoOwnerEmail is not null)
            {
                Console.WriteLine($"  sign in as   {manifest.DemoOwnerEmail} / {manifest.DemoOwnerPassword}   (demo owner)");
            }
        }

        Console.WriteLine($"  demo key     {manifest.DemoKey}");
        Console.WriteLine($"  demo org     {manifest.DemoOrgId}");
        Console.WriteLine($"  upstream     {manifest.UpstreamUrl}   (fake provider 'demo')");
        Console.WriteLine("  master key   .nemo/state/master_key");
        Console.WriteLine("  state        .nemo/run/cluster.json, logs in .nemo/logs/");
        Console.WriteLine();
        Console.WriteLine("Try it:");
        Console.WriteLine($"  curl -s {gateway}/v1/chat/completions \\");
        Console.WriteLine($"    -H 'Authorization: Bearer {manifest.DemoKey}' \\");
        Console.WriteLine("    -H 'Content-Type: application/json' \\");
        Console.WriteLine($"    -d '{{\"model\":\"{cluster.ExampleModel}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Hello!\"}}]}}'");
        Console.WriteLine();
        Console.WriteLine(detached
            ? "Running in the background: ./nemo status to check it, ./nemo down to stop it."
            : "Press Ctrl-C to stop (or run ./nemo down from another terminal).");
    }
}
