namespace Nemo.FakeUpstream;

/// <summary>
/// Builds the fake OpenAI-compatible provider. Standalone:
/// <c>dotnet Nemo.FakeUpstream.dll --urls http://127.0.0.1:PORT</c>. In a test:
/// <c>var app = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], options); await app.StartAsync();</c>
/// then read the bound address from <c>app.Urls</c> and the counters from
/// <c>app.Services.GetRequiredService&lt;FakeUpstreamStats&gt;()</c>.
/// </summary>
public static class FakeUpstreamApp
{
    /// <summary>The settings file, copied next to the assembly under this name (from appsettings.json)
    /// so that it never replaces another project's appsettings.json in a shared output folder.</summary>
    public const string SettingsFileName = "Nemo.FakeUpstream.appsettings.json";

    /// <summary>
    /// Builds the app. Configuration: <see cref="SettingsFileName"/> next to the assembly, then
    /// environment variables, then <paramref name="args"/>. The current directory's appsettings.json
    /// is not read (in a test run it would be another project's). When <paramref name="options"/> is
    /// given it is used as is, instead of the "FakeUpstream" configuration section.
    /// </summary>
    public static WebApplication Build(string[] args, FakeUpstreamOptions? options = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(FakeUpstreamApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, SettingsFileName), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);

        builder.Logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole();

        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();

        var resolved = options ?? FakeUpstreamOptionsBinder.Bind(builder.Configuration);
        var stats = new FakeUpstreamStats();
        builder.Services.AddSingleton(resolved);
        builder.Services.AddSingleton(stats);

        var app = builder.Build();
        MapEndpoints(app, resolved, stats);
        return app;
    }

    private static void MapEndpoints(WebApplication app, FakeUpstreamOptions options, FakeUpstreamStats stats)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        var models = new ModelsEndpoint(options, stats, stopping);
        app.Use((context, next) => AzureShim.InvokeAsync(context, () => next(context), stats));
        app.UseRouting();

        app.MapPost(FakeRoutePaths.ChatCompletions, (RequestDelegate)new ChatCompletionsEndpoint(options, stats, stopping).HandleAsync);
        app.MapPost(FakeRoutePaths.Completions, (RequestDelegate)new CompletionsEndpoint(options, stats, stopping).HandleAsync);
        app.MapPost(FakeRoutePaths.Embeddings, (RequestDelegate)new EmbeddingsEndpoint(options, stats, stopping).HandleAsync);
        app.MapPost(AnthropicMessagesEndpoint.Path, (RequestDelegate)new AnthropicMessagesEndpoint(options, stats, stopping).HandleAsync);
        app.MapGet(FakeRoutePaths.Models, (RequestDelegate)models.HandleAsync);
        app.MapGet(FakeRoutePaths.Models + "/{**id}", (RequestDelegate)models.HandleAsync);
        app.Map("/v1/{**rest}", (RequestDelegate)new UnknownRouteEndpoint(options, stats, stopping).HandleAsync);

        // Gemini's native API. "{target}" is one whole segment, e.g. "gemini-2.0-flash:generateContent": a
        // template "{model}:generateContent" would read the colon as a route constraint's separator.
        app.MapPost(GeminiEndpoint.Route, (RequestDelegate)new GeminiEndpoint(options, stats, stopping).HandleAsync);

        app.MapGet(StatsEndpoint.Path, (RequestDelegate)(context => StatsEndpoint.GetAsync(context, stats)));
        app.MapPost(StatsEndpoint.ResetPath, (RequestDelegate)(context => StatsEndpoint.ResetAsync(context, stats)));
    }
}
