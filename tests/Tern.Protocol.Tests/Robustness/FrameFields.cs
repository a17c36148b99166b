using System.Buffers.Binary;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Tests.Robustness;

/// <summary>Where the length fields of a valid frame are, so a mutation can rewrite one on purpose.</summary>
/// <param name="HeaderLength">Bytes of the fixed header.</param>
/// <param name="PropertyLengths">Offsets of each property length (a variable byte integer): the packet's, and the will's in CONNECT.</param>
/// <param name="StringLengths">Offsets of each two-byte length prefix: strings and binary fields of the packet and of its properties.</param>
internal sealed record FrameFields(int HeaderLength, IReadOnlyList<int> PropertyLengths, IReadOnlyList<int> StringLengths)
{
    /// <summary>
    /// Walks a frame the codec accepted and lists its length fields. Written independently of the decoders (it trusts
    /// the frame to be valid and follows the layout of 3.1.1 §3 and 5.0 §3), so a fault in a decoder does not hide here.
    /// </summary>
    public static FrameFields Locate(byte[] frame, ProtocolVersion version)
    {
        var props = new List<int>();
        var strings = new List<int>();
        int remaining = 0, shift = 0, p = 1;
        while (true)
        {
            byte b = frame[p++];
            remaining |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        int header = p;
        int end = header + remaining;
        bool v5 = version == ProtocolVersion.V500;
        var type = (PacketType)(frame[0] >> 4);
        switch (type)
        {
            case PacketType.Connect:
                strings.Add(p);
                p = SkipString(frame, p);
                v5 = frame[p] == 5;
                byte flags = frame[p + 1];
                p += 4;
                if (v5)
                {
                    p = PropertyBlock(frame, p, props, strings);
                }

                strings.Add(p);
                p = SkipString(frame, p);
                if ((flags & 0x04) != 0)
                {
                    if (v5)
                    {
                        p = PropertyBlock(frame, p, props, strings);
                    }

                    strings.Add(p);
                    p = SkipString(frame, p);
                    strings.Add(p);
                    p = SkipString(frame, p);
                }

                if ((flags & 0x80) != 0)
                {
                    strings.Add(p);
                    p = SkipString(frame, p);
                }

                if ((flags & 0x40) != 0)
                {
                    strings.Add(p);
                }

                break;
            case PacketType.ConnAck when v5:
                PropertyBlock(frame, p + 2, props, strings);
                break;
            case PacketType.Publish:
                strings.Add(p);
                p = SkipString(frame, p);
                p += ((frame[0] >> 1) & 0x03) != 0 ? 2 : 0;
                if (v5)
                {
                    PropertyBlock(frame, p, props, strings);
                }

                break;
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp when v5 && remaining >= 4:
                PropertyBlock(frame, p + 3, props, strings);
                break;
            case PacketType.Subscribe or PacketType.Unsubscribe:
                p += 2;
                if (v5)
                {
                    p = PropertyBlock(frame, p, props, strings);
                }

                while (p < end)
                {
                    strings.Add(p);
                    p = SkipString(frame, p) + (type == PacketType.Subscribe ? 1 : 0);
                }

                break;
            case PacketType.SubAck or PacketType.UnsubAck when v5:
                PropertyBlock(frame, p + 2, props, strings);
                break;
            case PacketType.Disconnect or PacketType.Auth when v5 && remaining >= 2:
                PropertyBlock(frame, p + 1, props, strings);
                break;
        }

        return new FrameFields(header, props, strings);
    }

    private static int SkipString(byte[] frame, int offset) => offset + 2 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(offset));

    // Records the block's length field and the length prefixes inside it; returns the offset after the block.
    private static int PropertyBlock(byte[] frame, int offset, List<int> props, List<int> strings)
    {
        props.Add(offset);
        int length = ReadVbi(frame, ref offset);
        int end = offset + length;
        while (offset < end)
        {
            var id = (PropertyId)frame[offset++];
            switch (PropertyDefinitions.GetType(id))
            {
                case PropertyType.Byte:
                    offset += 1;
                    break;
                case PropertyType.TwoByteInteger:
                    offset += 2;
                    break;
                case PropertyType.FourByteInteger:
                    offset += 4;
                    break;
                case PropertyType.VariableByteInteger:
                    ReadVbi(frame, ref offset);
                    break;
                case PropertyType.Utf8String or PropertyType.BinaryData:
                    strings.Add(offset);
                    offset = SkipString(frame, offset);
                    break;
                case PropertyType.Utf8StringPair:
                    strings.Add(offset);
                    offset = SkipString(frame, offset);
                    strings.Add(offset);
                    offset = SkipString(frame, offset);
                    break;
                default:
                    throw new InvalidOperationException($"property 0x{(byte)id:X2} in a corpus frame");
            }
        }

        return end;
    }

    private static int ReadVbi(byte[] frame, ref int offset)
    {
        int value = 0, shift = 0;
        while (true)
        {
            byte b = frame[offset++];
            value |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
