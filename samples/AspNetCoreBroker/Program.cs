// An ASP.NET Core application that serves HTTP on port 5000 and MQTT on port 1883 from one process.
// Run: dotnet run --project samples/AspNetCoreBroker
using Tern.Broker;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTernBroker(options => options.MaxQueuedMessages = 5000);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenLocalhost(5000);                          // HTTP
    kestrel.ListenLocalhost(1883, listen => listen.UseTernMqtt()); // MQTT
});

var app = builder.Build();
app.MapGet("/", () => "HTTP and MQTT from one process: mqtt://localhost:1883");
app.Run();
