using Tern.TestKit;

namespace Tern.Interop.Tests.Support;

/// <summary>The third-party client libraries the scenarios run with, by name.</summary>
internal static class ClientPeers
{
    public const string MqttJs = "mqtt.js";
    public const string MqttNet = "mqttnet";

    public static IReadOnlyList<string> Names { get; } = [MqttJs, MqttNet];

    public static async Task<IClientPeer> ConnectAsync(string library, IBrokerUnderTest broker, PeerOptions options) => library switch
    {
        MqttJs => await MqttJsPeer.ConnectAsync(broker, options),
        MqttNet => await MqttNetPeer.ConnectAsync(broker, options),
        _ => throw new ArgumentException($"No client library '{library}'.", nameof(library)),
    };
}
