using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Tests.Support;
using Tern.TestKit;

namespace Tern.Broker.Tests.Behaviour;

public class EmbeddingTests
{
    [Fact]
    public async Task An_aspnetcore_app_serves_mqtt_on_a_listener_marked_UseTernMqtt()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTernBroker(o => o.MaxQueuedMessages = 10);
        ListenOptions? mqtt = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.UseTernMqtt();
            mqtt = l;
        }));
        await using var app = builder.Build();
        await app.StartAsync();

        await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", mqtt!.IPEndPoint!.Port);
        await client.SendAsync("10 0E 00 04 'MQTT' 04 02 00 3C 00 02 'e1'");
        await client.ExpectAsync("20 02 00 00", Timeouts.Default);
        await client.ExpectAliveAsync();

        await app.StopAsync();
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task MqttBroker_reports_the_port_it_bound_when_asked_for_port_0()
    {
        await using var broker = await MqttBroker.StartAsync(new BrokerOptions { Listeners = [new MqttListenerOptions { Port = 0 }] });

        Assert.Single(broker.Endpoints);
        Assert.NotEqual(0, broker.Endpoints[0].Port);
        Assert.Equal(IPAddress.Loopback, broker.Endpoints[0].Address);
    }
}
