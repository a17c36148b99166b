namespace Tern.Broker;

/// <summary>The transport a listener speaks.</summary>
public enum ListenerProtocol
{
    /// <summary>MQTT over TCP (port 1883 by convention).</summary>
    Mqtt,

    /// <summary>MQTT over TLS 1.2 or later (port 8883 by convention).</summary>
    Mqtts,

    /// <summary>MQTT over WebSocket, subprotocol <c>mqtt</c>.</summary>
    Ws,

    /// <summary>MQTT over WebSocket over TLS.</summary>
    Wss,
}
