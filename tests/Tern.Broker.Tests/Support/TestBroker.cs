using Microsoft.Extensions.Time.Testing;
using Tern.TestKit;

namespace Tern.Broker.Tests.Support;

/// <summary>Starts the test kit's <see cref="TernBroker"/> for one test and completes CONNECTs.</summary>
internal static class TestBroker
{
    public static Task<TernBroker> StartAsync(Action<BrokerOptions>? configure = null, FakeTimeProvider? time = null) =>
        TernBroker.StartAsync(configure, time);

    /// <summary>Opens a raw connection and completes a CONNECT, expecting it accepted.</summary>
    public static async Task<RawMqttConnection> ConnectAsync(this TernBroker broker, byte[] connect, string? name = null)
    {
        var connection = await broker.ConnectRawAsync(name);
        await connection.SendAsync(connect);
        var connack = await connection.ReadPacketAsync(Timeouts.Default);

        // CONNACK: 20, remaining length, flags, then the return code (3.x) or reason code (5.0) at index 3.
        Assert.True(connack[0] == 0x20 && connack[3] == 0, $"expected an accepting CONNACK, got {Convert.ToHexString(connack)}");
        return connection;
    }
}

internal static class OfflineWait
{
    /// <summary>
    /// Waits until the broker has detached a client's session and armed its expiry timer (armed last, under the
    /// registry lock), so that a fake clock advanced afterwards counts from the disconnect. The client sees its socket
    /// close slightly before the broker finishes this bookkeeping.
    /// </summary>
    public static async Task WaitForOfflineAsync(this TernBroker broker, string clientId)
    {
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (broker.Broker.Engine.Sessions.GetAll().FirstOrDefault(s => s.ClientId == clientId) is { } session
            && (session.Connection is not null || (session.ExpiryTimer is null && session.ExpiryInterval != Sessions.MqttSession.NeverExpires)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the broker never finished disconnecting {clientId}");
            await Task.Yield();
        }
    }
}

internal static class Timeouts
{
    /// <summary>Generous: CI machines are shared and slow; tests wait on events and finish as soon as they happen.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    /// <summary>How long "nothing happens" is watched for.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
}
