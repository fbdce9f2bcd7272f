using Nemo.Gateway.Hosting;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddNemoGateway();

WebApplication app = builder.Build();
app.MapNemoGateway();
app.Run();

/// <summary>Entry point; public so tests can host the gateway in-process.</summary>
public partial class Program;
