using Tern.Broker.Tests.Support;
using Tern.TestKit;

namespace Tern.Broker.Tests.Operations;

public sealed class SecretLoggingTests
{
    [Fact]
    public async Task A_password_sent_in_CONNECT_never_appears_in_the_log_even_at_debug_level()
    {
        await using var broker = await OperationsBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        // CONNECT 3.1.1, user name "logger", password "hunter2-secret-pw", then a second CONNECT (a violation, logged).
        byte[] connect = Hex.Bytes("10 2E 00 04 'MQTT' 04 C2 00 3C 00 07 'secrets' 00 06 'logger' 00 11 'hunter2-secret-pw'");
        await client.SendAsync(connect);
        await client.ReadPacketAsync(Timeouts.Default);
        await client.SendAsync(connect);
        await client.ExpectClosedAsync(Timeouts.Default);

        Assert.Contains("second CONNECT", broker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", broker.Log, StringComparison.Ordinal);
    }
}
