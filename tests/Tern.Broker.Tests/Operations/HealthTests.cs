using System.Net;

namespace Tern.Broker.Tests.Operations;

public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_is_200_and_readyz_is_200_once_listeners_are_bound_and_503_when_shutting_down()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http(apiKey: null);

        using var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        broker.Broker.Engine.BeginShutdown();

        using var stopping = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        using var stillLive = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stopping.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillLive.StatusCode);
    }

    [Fact]
    public async Task The_http_listener_is_off_unless_enabled_so_embedded_brokers_never_take_port_18083()
    {
        await using var broker = await Tern.TestKit.TernBroker.StartAsync(configure: null);

        Assert.Null(broker.Broker.HttpEndpoint);
    }

    [Fact]
    public async Task The_listening_line_names_the_http_endpoint()
    {
        await using var broker = await OperationsBroker.StartAsync();

        Assert.Contains($"listening on http://{broker.Broker.HttpEndpoint} (metrics, health, admin API)", broker.Log, StringComparison.Ordinal);
    }
}
