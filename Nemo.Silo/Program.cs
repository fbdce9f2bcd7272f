using Nemo.Cluster.Hosting;

// A silo: hosts organizations' grains on Orleans; serves only /healthz and /readyz over HTTP.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddNemoSilo();

WebApplication app = builder.Build();
app.MapNemoHealth();
app.Run();

/// <summary>Entry point; public so tests can host a silo in-process.</summary>
public partial class Program;
