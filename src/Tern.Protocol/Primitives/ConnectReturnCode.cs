namespace Tern.Protocol;

/// <summary>The CONNACK return codes of MQTT 3.1 and 3.1.1 (Table 3.1 of 3.1.1). MQTT 5.0 uses <see cref="ReasonCode"/>.</summary>
public enum ConnectReturnCode : byte
{
    /// <summary>0x00 Connection accepted.</summary>
    Accepted = 0x00,
    /// <summary>0x01 The server does not support the level of the MQTT protocol requested.</summary>
    UnacceptableProtocolVersion = 0x01,
    /// <summary>0x02 The client identifier is correct UTF-8 but not allowed by the server.</summary>
    IdentifierRejected = 0x02,
    /// <summary>0x03 The network connection is made but the MQTT service is unavailable.</summary>
    ServerUnavailable = 0x03,
    /// <summary>0x04 The data in the user name or password is malformed.</summary>
    BadUserNameOrPassword = 0x04,
    /// <summary>0x05 The client is not authorized to connect.</summary>
    NotAuthorized = 0x05,
}
