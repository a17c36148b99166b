using System.Buffers.Binary;
using System.Text;

namespace Tern.Persistence.Tests;

/// <summary>MQTT 3.1.1 and 5.0 packets built byte by byte, so a test controls packet identifiers, DUP and the session flags exactly.</summary>
internal static class Wire
{
    public const byte PubAck = 4;
    public const byte PubRec = 5;
    public const byte PubRel = 6;
    public const byte PubComp = 7;

    public sealed record Will(string Topic, string Payload, int QoS, uint Delay = 0);

    public static byte[] Connect(string clientId, bool clean, int version = 4, uint? sessionExpiry = null, Will? will = null, ushort keepAlive = 0)
    {
        var body = new List<byte>();
        String(body, "MQTT");
        body.Add((byte)version);
        byte flags = (byte)((clean ? 0x02 : 0) | (will is null ? 0 : 0x04 | (will.QoS << 3)));
        body.Add(flags);
        body.Add((byte)(keepAlive >> 8));
        body.Add((byte)keepAlive);
        if (version == 5)
        {
            var properties = new List<byte>();
            if (sessionExpiry is { } expiry)
            {
                properties.Add(0x11);
                UInt32(properties, expiry);
            }

            Properties(body, properties);
        }

        String(body, clientId);
        if (will is not null)
        {
            if (version == 5)
            {
                var properties = new List<byte>();
                if (will.Delay > 0)
                {
                    properties.Add(0x18);
                    UInt32(properties, will.Delay);
                }

                Properties(body, properties);
            }

            String(body, will.Topic);
            String(body, will.Payload);
        }

        return Frame(0x10, body);
    }

    public static byte[] Subscribe(ushort id, string filter, int qos, int version = 4)
    {
        var body = new List<byte>();
        UInt16(body, id);
        if (version == 5)
        {
            body.Add(0);
        }

        String(body, filter);
        body.Add((byte)qos);
        return Frame(0x82, body);
    }

    public static byte[] Unsubscribe(ushort id, string filter, int version = 4)
    {
        var body = new List<byte>();
        UInt16(body, id);
        if (version == 5)
        {
            body.Add(0);
        }

        String(body, filter);
        return Frame(0xA2, body);
    }

    public static byte[] Publish(string topic, string payload, int qos, ushort id = 0, bool retain = false, bool dup = false, int version = 4, uint? expiry = null)
    {
        var body = new List<byte>();
        String(body, topic);
        if (qos > 0)
        {
            UInt16(body, id);
        }

        if (version == 5)
        {
            var properties = new List<byte>();
            if (expiry is { } seconds)
            {
                properties.Add(0x02);
                UInt32(properties, seconds);
            }

            Properties(body, properties);
        }

        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return Frame((byte)(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0)), body);
    }

    public static byte[] Ack(byte type, ushort id) => [(byte)((type << 4) | (type == PubRel ? 0x02 : 0)), 2, (byte)(id >> 8), (byte)id];

    public static byte[] Disconnect() => [0xE0, 0];

    public static Packet Parse(byte[] frame, int version = 4)
    {
        int type = frame[0] >> 4;
        int flags = frame[0] & 0x0F;
        int offset = 1;
        while ((frame[offset] & 0x80) != 0)
        {
            offset++;
        }

        offset++;
        var body = frame.AsSpan(offset);
        switch (type)
        {
            case 2:
                return new Packet(type, flags, 0, null, null, body[1], SessionPresent: (body[0] & 1) == 1);
            case 3:
                int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
                string topic = Encoding.UTF8.GetString(body.Slice(2, topicLength));
                int at = 2 + topicLength;
                int qos = (flags >> 1) & 3;
                ushort id = 0;
                if (qos > 0)
                {
                    id = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
                    at += 2;
                }

                if (version == 5)
                {
                    int length = 0;
                    int shift = 0;
                    byte b;
                    do
                    {
                        b = body[at++];
                        length |= (b & 0x7F) << shift;
                        shift += 7;
                    }
                    while ((b & 0x80) != 0);
                    at += length;
                }

                return new Packet(type, flags, id, topic, Encoding.UTF8.GetString(body[at..]), 0);
            case 4 or 5 or 6 or 7 or 9 or 11:
                int reasonAt = type == 9 && version == 5 ? 3 : 2;
                byte reason = body.Length > reasonAt ? body[reasonAt] : (byte)0;
                return new Packet(type, flags, BinaryPrimitives.ReadUInt16BigEndian(body), null, null, reason);
            default:
                return new Packet(type, flags, 0, null, null, body.Length > 0 ? body[0] : (byte)0);
        }
    }

    private static byte[] Frame(byte first, List<byte> body)
    {
        var frame = new List<byte> { first };
        int length = body.Count;
        do
        {
            byte b = (byte)(length % 128);
            length /= 128;
            frame.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        frame.AddRange(body);
        return [.. frame];
    }

    private static void Properties(List<byte> body, List<byte> properties)
    {
        body.Add((byte)properties.Count);
        body.AddRange(properties);
    }

    private static void String(List<byte> body, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        UInt16(body, (ushort)bytes.Length);
        body.AddRange(bytes);
    }

    private static void UInt16(List<byte> body, ushort value)
    {
        body.Add((byte)(value >> 8));
        body.Add((byte)value);
    }

    private static void UInt32(List<byte> body, uint value)
    {
        UInt16(body, (ushort)(value >> 16));
        UInt16(body, (ushort)value);
    }
}

/// <summary>A received packet: type, flags (DUP is 0x08 on PUBLISH), packet identifier, topic and payload of a PUBLISH, the reason or return code.</summary>
internal sealed record Packet(int Type, int Flags, ushort PacketId, string? Topic, string? Payload, byte Reason, bool SessionPresent = false)
{
    public bool Duplicate => (Flags & 0x08) != 0;

    public int QoS => (Flags >> 1) & 3;
}
