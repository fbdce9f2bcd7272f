using Nemo.Cluster.Hosting;
using Nemo.ServiceDefaults;

// A silo: hosts organizations' grains on Orleans; serves only /healthz, /readyz and /metrics over HTTP.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddNemoServiceDefaults("nemo-silo");
builder.AddNemoSilo();

WebApplication app = builder.Build();
app.MapNemoDefaultEndpoints();
app.Run();

/// <summary>Entry point; public so tests can host a silo in-process.</summary>
public partial class Program;
