using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Tern.Broker.Tests.Support;
using Tern.TestKit;

namespace Tern.Broker.Tests.Security;

/// <summary>The anonymous default on an embedder's own <c>UseTernMqtt()</c> listener follows the address Kestrel binds.</summary>
public class EmbeddedListenerAnonymousTests
{
    [Theory]
    [InlineData("127.0.0.1", "20 02 00 00")]
    [InlineData("0.0.0.0", "20 02 00 05")]
    public async Task An_embedded_listener_admits_anonymous_clients_only_on_a_loopback_address(string bind, string connack)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTernBroker();
        ListenOptions? mqtt = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(bind), 0, l =>
        {
            l.UseTernMqtt();
            mqtt = l;
        }));
        await using var app = builder.Build();
        await app.StartAsync();

        await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", mqtt!.IPEndPoint!.Port);
        await client.SendAsync("10 0E 00 04 'MQTT' 04 02 00 3C 00 02 'e1'");
        await client.ExpectAsync(connack, Timeouts.Default);
        await app.StopAsync();
    }
}
