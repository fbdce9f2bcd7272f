using Nemo.Runtime.Hosting;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddNemoSiloHost();

WebApplication app = builder.Build();
app.MapNemoSiloHost();
app.Run();

/// <summary>Entry point; public so tests can host a silo in-process.</summary>
public partial class Program;
