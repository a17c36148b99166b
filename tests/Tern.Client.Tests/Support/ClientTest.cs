using Tern.Client;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests.Support;

/// <summary>The base of the client suite: theory rows over the brokers under test and both protocol versions, and options tuned for loopback.</summary>
public abstract class ClientTest(ITestOutputHelper output)
{
    /// <summary>One row per kind of broker under test.</summary>
    public static TheoryData<string> BrokerNames => new(Brokers.Names);

    /// <summary>One row per (broker, protocol version).</summary>
    public static TheoryData<string, ProtocolVersion> BrokersAndVersions
    {
        get
        {
            var data = new TheoryData<string, ProtocolVersion>();
            foreach (string name in Brokers.Names)
            {
                data.Add(name, ProtocolVersion.V311);
                data.Add(name, ProtocolVersion.V500);
            }

            return data;
        }
    }

    /// <summary>The test's output.</summary>
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>Starts a broker of the row's kind.</summary>
    protected Task<IBrokerUnderTest> StartBrokerAsync(string broker, bool persistence = false) =>
        Brokers.StartAsync(broker, new BrokerSettings { Persistence = persistence, LogSink = Output.WriteLine });

    /// <summary>Options for a client of <paramref name="port"/> on loopback: fast reconnects, short timeouts.</summary>
    protected static MqttClientOptions Options(int port, ProtocolVersion version = ProtocolVersion.V311, string? clientId = null) =>
        MqttClientOptions.Default with
        {
            Host = "127.0.0.1",
            Port = port,
            ProtocolVersion = version,
            ClientId = clientId ?? Unique.ClientId("c"),
            ConnectTimeout = Timeouts.Event,
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) },
        };

    /// <summary>Options for a client of <paramref name="broker"/>.</summary>
    protected static MqttClientOptions Options(IBrokerUnderTest broker, ProtocolVersion version = ProtocolVersion.V311, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return Options(broker.Port, version, clientId);
    }

    /// <summary>Connects a new client and returns it.</summary>
    protected static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        return client;
    }
}
