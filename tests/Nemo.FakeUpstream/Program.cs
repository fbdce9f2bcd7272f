namespace Nemo.FakeUpstream;

internal static class Program
{
    public static void Main(string[] args)
    {
        var app = FakeUpstreamApp.Build(args);
        app.Lifetime.ApplicationStarted.Register(
            () => Console.WriteLine($"Nemo.FakeUpstream listening on {string.Join(", ", app.Urls)}"));
        app.Run();
    }
}
