namespace Tern.Protocol;

/// <summary>
/// Why a packet was refused: the reason code the receiver must use (5.0: in CONNACK or DISCONNECT; 3.1.1: the connection
/// is closed, or a CONNACK return code via <see cref="ReasonCodes.ToConnectReturnCode"/>), the normative statement of the
/// specification the input breaks, with its version, and a short description for the log line.
/// </summary>
/// <remarks>
/// All three members are compile-time constants chosen by the decoder, so producing a violation allocates nothing.
/// The default value means "no violation".
/// </remarks>
/// <param name="ReasonCode">The reason code to send: 0x81 Malformed Packet, 0x82 Protocol Error, 0x95 Packet too large, ...</param>
/// <param name="Statement">The statement broken, prefixed with the version whose numbering it uses, e.g. <c>5.0 MQTT-2.1.3-1</c> or <c>3.1.1 MQTT-2.2.2-2</c>; a section (<c>5.0 §2.2.2.2</c>) where the rule has no statement id.</param>
/// <param name="Description">What was wrong, in a few words, for logs.</param>
public readonly record struct ProtocolViolation(ReasonCode ReasonCode, string Statement, string Description)
{
    /// <summary>True when this value carries no violation (the default).</summary>
    public bool IsNone => Statement is null;

    /// <summary>A Malformed Packet (0x81) violation.</summary>
    public static ProtocolViolation Malformed(string statement, string description) => new(ReasonCode.MalformedPacket, statement, description);

    /// <summary>A Protocol Error (0x82) violation.</summary>
    public static ProtocolViolation ProtocolError(string statement, string description) => new(ReasonCode.ProtocolError, statement, description);

    /// <inheritdoc/>
    public override string ToString() => IsNone
        ? "none"
        : $"{Description} (0x{(byte)ReasonCode:X2} {ReasonCodes.GetName(ReasonCode)}, {Statement})";
}
