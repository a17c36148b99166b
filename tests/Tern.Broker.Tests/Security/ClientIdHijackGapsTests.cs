using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Security;

/// <summary>RELIABILITY.md E12: another user connecting with a client id in use takes the session over, and the log names both users.</summary>
public class ClientIdHijackGapsTests
{
    [Fact]
    public async Task A_takeover_by_another_user_is_logged_with_both_user_names()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:pw-a", "mallory:pw-m"]);
        await using var alice = await broker.ConnectAcceptedAsync("shared-id", "alice", "pw-a", ProtocolVersion.V500);

        // MQTT-3.1.4-3: the server disconnects the existing client with the same client id.
        await using var mallory = await broker.ConnectAcceptedAsync("shared-id", "mallory", "pw-m", ProtocolVersion.V500);
        await alice.ExpectDisconnectOrCloseAsync();

        string line = broker.Broker.Log.Split('\n').Single(l => l.Contains("[1005]", StringComparison.Ordinal));
        Assert.Contains("Client shared-id from 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.Contains("(user mallory) takes over the session of the connection from 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.EndsWith("(user alice)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_anonymous_takeover_is_logged_as_anonymous()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:pw-a"], configure: o => o.Security.AllowAnonymous = true);
        await using var alice = await broker.ConnectAcceptedAsync("shared-id", "alice", "pw-a");
        await using var anonymous = await broker.ConnectAcceptedAsync("shared-id", null, null);
        await alice.ExpectDisconnectOrCloseAsync();

        string line = broker.Broker.Log.Split('\n').Single(l => l.Contains("[1005]", StringComparison.Ordinal));
        Assert.Contains("(user (anonymous)) takes over", line, StringComparison.Ordinal);
        Assert.EndsWith("(user alice)", line, StringComparison.Ordinal);
    }
}

internal static class TakeoverExpectations
{
    /// <summary>A 5.0 DISCONNECT 0x8E (session taken over) or a plain close, whichever the broker managed first.</summary>
    public static async Task ExpectDisconnectOrCloseAsync(this RawMqttConnection connection)
    {
        try
        {
            var packet = await connection.ReadPacketAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0xE0, packet[0]);
            Assert.Equal(0x8E, packet[2]);
        }
        catch (ExpectationFailedException)
        {
            // Closed before the DISCONNECT was read.
        }
    }
}
