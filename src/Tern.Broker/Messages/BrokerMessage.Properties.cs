using Tern.Protocol.Properties;

namespace Tern.Broker.Messages;

internal sealed partial class BrokerMessage
{
    // Topic Alias belongs to one connection, Subscription Identifiers to one subscriber, Will Delay Interval to the will.
    private static bool IsForwarded(PropertyId id) => id is not (PropertyId.TopicAlias or PropertyId.SubscriptionIdentifier or PropertyId.WillDelayInterval);

    private static int ForwardedPropertiesLength(ReadOnlySpan<byte> properties)
    {
        if (properties.IsEmpty)
        {
            return 0;
        }

        int length = 0;
        foreach (var p in new MqttProperties(properties))
        {
            if (IsForwarded(p.Id))
            {
                length += PropertySize(p);
            }
        }

        return length;
    }

    // Message Expiry Interval goes first so that the writer finds its value at a fixed offset.
    private static void CopyForwardedProperties(ReadOnlySpan<byte> properties, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        var writer = new PropertyWriter(destination);
        var all = new MqttProperties(properties);
        if (all.TryGetInteger(PropertyId.MessageExpiryInterval, out uint expiry))
        {
            writer.WriteUInt32(PropertyId.MessageExpiryInterval, expiry);
        }

        foreach (var p in all)
        {
            if (!IsForwarded(p.Id) || p.Id == PropertyId.MessageExpiryInterval)
            {
                continue;
            }

            switch (p.Type)
            {
                case PropertyType.Byte: writer.WriteByte(p.Id, (byte)p.Integer); break;
                case PropertyType.TwoByteInteger: writer.WriteUInt16(p.Id, (ushort)p.Integer); break;
                case PropertyType.FourByteInteger: writer.WriteUInt32(p.Id, p.Integer); break;
                case PropertyType.VariableByteInteger: writer.WriteVariableByteInteger(p.Id, (int)p.Integer); break;
                case PropertyType.Utf8StringPair: writer.WriteUserProperty(p.Value, p.PairValue); break;
                default: writer.WriteBytes(p.Id, p.Value); break;
            }
        }
    }

    private static int PropertySize(in MqttProperty p) => p.Type switch
    {
        PropertyType.Byte => PropertyWriter.SizeOfByte,
        PropertyType.TwoByteInteger => PropertyWriter.SizeOfUInt16,
        PropertyType.FourByteInteger => PropertyWriter.SizeOfUInt32,
        PropertyType.VariableByteInteger => PropertyWriter.SizeOfVariableByteInteger((int)p.Integer),
        PropertyType.Utf8StringPair => PropertyWriter.SizeOfUserProperty(p.Value.Length, p.PairValue.Length),
        _ => PropertyWriter.SizeOfBytes(p.Value.Length),
    };
}
