using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Hosting;

namespace Tern.Broker.Tests.Operations;

public sealed class ReloadApiTests
{
    [Fact]
    public async Task A_good_reload_through_the_api_is_200_and_puts_the_new_state_in_force()
    {
        var part = new ControlledPart();
        await using var broker = await OperationsBroker.StartAsync(services: s => s.AddSingleton<IReloadableComponent>(part));
        using var http = broker.Http();

        using var response = await http.PostAsync(new Uri("/api/v1/reload", UriKind.Relative), content: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("succeeded").GetBoolean());
        Assert.Equal("test part", body.GetProperty("reloaded")[0].GetString());
        Assert.Equal(1, part.Commits);
        Assert.Contains("Configuration reload requested by the admin API (api key)", broker.Log, StringComparison.Ordinal);
        Assert.Contains("Configuration reloaded: test part", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_reload_through_the_api_is_422_with_the_problems_and_the_old_state_stays()
    {
        var part = new ControlledPart { Problem = "test file line 2: no ':' separator." };
        await using var broker = await OperationsBroker.StartAsync(services: s => s.AddSingleton<IReloadableComponent>(part));
        using var http = broker.Http();

        using var response = await http.PostAsync(new Uri("/api/v1/reload", UriKind.Relative), content: null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.GetProperty("succeeded").GetBoolean());
        Assert.Equal("test file line 2: no ':' separator.", body.GetProperty("problems")[0].GetString());
        Assert.Equal(0, part.Commits);
        Assert.Contains("Configuration reload rejected, the previous configuration stays in force: test file line 2", broker.Log, StringComparison.Ordinal);
    }

    private sealed class ControlledPart : IReloadableComponent
    {
        public string Name => "test part";

        public string? Problem { get; init; }

        public int Commits { get; private set; }

        public ReloadPreparation Prepare() => Problem is null ? ReloadPreparation.Ready(() => Commits++) : ReloadPreparation.Failed(Problem);
    }
}
