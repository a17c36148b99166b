namespace Tern.Protocol.Framing;

/// <summary>
/// The fixed header of one MQTT control packet: type, flags, remaining length, and how many bytes the header itself took.
/// </summary>
/// <param name="FirstByte">The first byte: packet type in the high nibble, flags in the low nibble.</param>
/// <param name="RemainingLength">The length of variable header plus payload.</param>
/// <param name="HeaderLength">The bytes taken by the fixed header: 1 + the size of the remaining length (2 to 5).</param>
public readonly record struct FixedHeader(byte FirstByte, int RemainingLength, int HeaderLength)
{
    /// <summary>The control packet type.</summary>
    public PacketType Type => (PacketType)(FirstByte >> 4);

    /// <summary>The four flag bits.</summary>
    public byte Flags => (byte)(FirstByte & 0x0F);

    /// <summary>The whole packet's size on the wire: fixed header plus remaining length.</summary>
    public int TotalLength => HeaderLength + RemainingLength;

    /// <summary>
    /// Checks the packet type against the protocol version and the flag bits against the fixed values of the
    /// specification (3.1.1 Table 2.2 and [MQTT-2.2.2-1/-2]; 5.0 Table 2-2 and [MQTT-2.1.3-1]).
    /// PUBLISH flags are checked for QoS 3 and for DUP on QoS 0.
    /// </summary>
    public ProtocolViolation Validate(ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        switch (Type)
        {
            case PacketType.Reserved:
                return ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "packet type 0 is reserved and forbidden");
            case PacketType.Auth when !v5:
                return ProtocolViolation.Malformed("3.1.1 §2.2.1", "packet type 15 is reserved before MQTT 5.0");
            case PacketType.Publish:
                int qos = (Flags >> 1) & 0x03;
                if (qos == 3)
                {
                    return ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.3.1-4" : "3.1.1 MQTT-3.3.1-4", "PUBLISH with QoS 3");
                }

                if (qos == 0 && (Flags & 0x08) != 0)
                {
                    return ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.3.1-2" : "3.1.1 MQTT-3.3.1-2", "PUBLISH with DUP set on QoS 0");
                }

                return default;
            case PacketType.PubRel or PacketType.Subscribe or PacketType.Unsubscribe:
                return Flags == 0b0010 ? default : BadFlags(v5, Type);
            default:
                return Flags == 0 ? default : BadFlags(v5, Type);
        }

        static ProtocolViolation BadFlags(bool v5, PacketType type) => ProtocolViolation.Malformed(
            v5 ? "5.0 MQTT-2.1.3-1" : "3.1.1 MQTT-2.2.2-2",
            type switch
            {
                PacketType.PubRel => "PUBREL flags are not 0010",
                PacketType.Subscribe => "SUBSCRIBE flags are not 0010",
                PacketType.Unsubscribe => "UNSUBSCRIBE flags are not 0010",
                _ => "reserved fixed header flags are not 0",
            });
    }
}
