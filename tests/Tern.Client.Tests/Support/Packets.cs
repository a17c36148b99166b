namespace Tern.Client.Tests.Support;

/// <summary>Reading whole packets as the proxy records them (fixed header included), for assertions on the wire.</summary>
internal static class Packets
{
    public const int Publish = 3;
    public const int PubRec = 5;
    public const int PubRel = 6;
    public const int PubComp = 7;

    public static int TypeOf(byte[] packet) => packet[0] >> 4;

    public static bool IsPublish(byte[] packet, int qos) => TypeOf(packet) == Publish && ((packet[0] >> 1) & 3) == qos;

    public static bool HasDup(byte[] packet) => (packet[0] & 0x08) != 0;

    /// <summary>The packet identifier of a QoS 1/2 PUBLISH (after the topic) or of PUBACK / PUBREC / PUBREL / PUBCOMP.</summary>
    public static int PacketIdOf(byte[] packet)
    {
        int at = 1;
        while ((packet[at] & 0x80) != 0)
        {
            at++;
        }

        at++;
        if (TypeOf(packet) == Publish)
        {
            int topicLength = (packet[at] << 8) | packet[at + 1];
            at += 2 + topicLength;
        }

        return (packet[at] << 8) | packet[at + 1];
    }
}
