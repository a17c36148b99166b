namespace Tern.Protocol.Packets;

/// <summary>
/// The Connect Flags byte of CONNECT (3.1.1 §3.1.2.3, 5.0 §3.1.2.3): bit 7 User Name, 6 Password, 5 Will Retain,
/// 4-3 Will QoS, 2 Will Flag, 1 CleanSession / Clean Start, 0 reserved.
/// </summary>
internal static class ConnectFlags
{
    public const byte Reserved = 0x01;
    public const byte CleanSession = 0x02;
    public const byte Will = 0x04;
    public const int WillQoSShift = 3;
    public const byte WillQoSMask = 0x18;
    public const byte WillRetain = 0x20;
    public const byte Password = 0x40;
    public const byte UserName = 0x80;

    /// <summary>Builds the flags byte. The caller has checked the combination.</summary>
    public static byte Compose(bool cleanSession, bool will, QualityOfService willQoS, bool willRetain, bool password, bool userName) => (byte)(
        (cleanSession ? CleanSession : 0)
        | (will ? Will | ((int)willQoS << WillQoSShift) | (willRetain ? WillRetain : 0) : 0)
        | (password ? Password : 0)
        | (userName ? UserName : 0));

    /// <summary>
    /// Checks the flag combinations the specifications forbid. These are reported as Malformed (0x81): 5.0 classes the
    /// other invalid values of this byte that way (reserved bit set [MQTT-3.1.2-3], Will QoS 3 [MQTT-3.1.2-12]), and a
    /// flags byte that contradicts itself leaves the payload's layout undefined. 3.1 and 3.1.1 close the connection for
    /// all of them, whatever the code.
    /// </summary>
    public static bool TryValidate(byte flags, bool v5, out ProtocolViolation violation)
    {
        violation = default;
        int willQoS = (flags & WillQoSMask) >> WillQoSShift;
        if ((flags & Reserved) != 0)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-3" : "3.1.1 MQTT-3.1.2-3", "reserved connect flag is set");
        }
        else if ((flags & Will) != 0)
        {
            if (willQoS == 3)
            {
                violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-12" : "3.1.1 MQTT-3.1.2-14", "Will QoS 3");
            }
        }
        else if (willQoS != 0)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-11" : "3.1.1 MQTT-3.1.2-13", "Will QoS set without the Will Flag");
        }
        else if ((flags & WillRetain) != 0)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-13" : "3.1.1 MQTT-3.1.2-15", "Will Retain set without the Will Flag");
        }

        // 3.1 and 3.1.1 only: 5.0 made the Password Flag independent of the User Name Flag (5.0 §3.1.2.9).
        if (violation.IsNone && !v5 && (flags & Password) != 0 && (flags & UserName) == 0)
        {
            violation = ProtocolViolation.Malformed("3.1.1 MQTT-3.1.2-22", "password flag set without the user name flag");
        }

        return violation.IsNone;
    }
}
