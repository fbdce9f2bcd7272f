using Microsoft.AspNetCore.Server.Kestrel.Core;
using Nemo.Runtime.Hosting;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1AndHttp2));
builder.Host.UseDefaultServiceProvider(provider => { provider.ValidateOnBuild = true; provider.ValidateScopes = true; });
builder.Services.AddNemoCluster(builder.Configuration);
builder.Services.AddNemoSilo(builder.Configuration);

WebApplication app = builder.Build();
app.MapNemoHealth();
app.MapNemoSilo();
app.Run();

/// <summary>Entry point; public so tests can host a silo in-process.</summary>
public partial class Program;
