namespace Tern.Protocol.Packets;

/// <summary>
/// The Subscription Options byte that follows each Topic Filter in a SUBSCRIBE (5.0 §3.8.3.1; in 3.1 / 3.1.1 only the
/// two QoS bits exist, §3.8.3). Bit layout: 0–1 Maximum QoS, 2 No Local, 3 Retain As Published, 4–5 Retain Handling,
/// 6–7 reserved.
/// </summary>
/// <param name="QoS">The maximum QoS at which the Server can send Application Messages to the Client.</param>
/// <param name="NoLocal">5.0: do not forward messages published by this same client ([MQTT-3.8.3-3]); a Protocol Error on a Shared Subscription ([MQTT-3.8.3-4]).</param>
/// <param name="RetainAsPublished">5.0: keep the RETAIN flag as published when forwarding (otherwise it is cleared).</param>
/// <param name="RetainHandling">5.0: whether retained messages are sent when the subscription is made.</param>
public readonly record struct SubscriptionOptions(
    QualityOfService QoS,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    RetainHandling RetainHandling = RetainHandling.SendAtSubscribe)
{
    private const byte QoSMask = 0x03;
    private const byte NoLocalBit = 0x04;
    private const byte RetainAsPublishedBit = 0x08;
    private const int RetainHandlingShift = 4;

    /// <summary>The encoded byte as MQTT 5.0 lays it out. Values are not checked (see <see cref="IsValid"/>).</summary>
    public byte ToByte() => (byte)(((byte)QoS & QoSMask)
        | (NoLocal ? NoLocalBit : 0)
        | (RetainAsPublished ? RetainAsPublishedBit : 0)
        | (((byte)RetainHandling & 0x03) << RetainHandlingShift));

    /// <summary>
    /// The byte as written for <paramref name="version"/>: before 5.0 only the QoS bits exist, so No Local, Retain As
    /// Published and Retain Handling are left out (a 3.1.1 server must treat any other bit as malformed, [MQTT-3-8.3-4]).
    /// </summary>
    public byte ToByte(ProtocolVersion version) => version == ProtocolVersion.V500 ? ToByte() : (byte)((byte)QoS & QoSMask);

    /// <summary>
    /// Reads an options byte without judging it: the reserved bits 6–7 are ignored and QoS 3 or Retain Handling 3 come
    /// through as they are. <see cref="SubscribePacket.TryDecode"/> rejects such bytes before anyone sees them.
    /// </summary>
    public static SubscriptionOptions FromByte(byte value) => new(
        (QualityOfService)(value & QoSMask),
        (value & NoLocalBit) != 0,
        (value & RetainAsPublishedBit) != 0,
        (RetainHandling)((value >> RetainHandlingShift) & 0x03));

    /// <summary>True when QoS is 0, 1 or 2 and Retain Handling is 0, 1 or 2: a value that can be written.</summary>
    public bool IsValid => (byte)QoS <= 2 && (byte)RetainHandling <= 2;
}
