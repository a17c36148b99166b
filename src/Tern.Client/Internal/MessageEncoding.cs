using System.Text;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client.Internal;

/// <summary>Between <see cref="MqttMessage"/> and the wire: 5.0 properties out, decoded PUBLISH views in.</summary>
internal static class MessageEncoding
{
    /// <summary>The PUBLISH (or Will) properties of <paramref name="message"/>, encoded; empty for 3.1.1.</summary>
    public static byte[] EncodeProperties(MqttMessage message, ProtocolVersion version, uint? willDelay = null)
    {
        if (version != ProtocolVersion.V500)
        {
            return [];
        }

        var builder = new PropertyBuilder();
        if (willDelay is { } delay and > 0)
        {
            builder.AddUInt32(PropertyId.WillDelayInterval, delay);
        }

        if (message.PayloadIsUtf8 is { } utf8)
        {
            builder.AddByte(PropertyId.PayloadFormatIndicator, utf8 ? (byte)1 : (byte)0);
        }

        if (message.MessageExpiryInterval is { } expiry)
        {
            builder.AddUInt32(PropertyId.MessageExpiryInterval, expiry);
        }

        if (message.ContentType is { } contentType)
        {
            builder.AddString(PropertyId.ContentType, contentType);
        }

        if (message.ResponseTopic is { } responseTopic)
        {
            builder.AddString(PropertyId.ResponseTopic, responseTopic);
        }

        if (message.CorrelationData is { } correlation)
        {
            builder.AddBytes(PropertyId.CorrelationData, correlation.Span);
        }

        AddUserProperties(builder, message.UserProperties);
        return builder.Span.ToArray();
    }

    public static void AddUserProperties(PropertyBuilder builder, IReadOnlyList<MqttUserProperty> properties)
    {
        foreach (var property in properties)
        {
            builder.AddUserProperty(property.Name, property.Value);
        }
    }

    /// <summary>A received PUBLISH as a message that owns its bytes (the view points into the receive buffer).</summary>
    public static MqttMessage Decode(in PublishPacket packet, string topic)
    {
        var properties = packet.Properties;
        if (properties.IsEmpty)
        {
            return new MqttMessage(topic, packet.Payload.ToArray())
            {
                QoS = packet.QoS,
                Retain = packet.Retain,
                Duplicate = packet.Duplicate,
            };
        }

        List<uint>? subscriptionIds = null;
        foreach (var p in properties)
        {
            if (p.Id == PropertyId.SubscriptionIdentifier)
            {
                (subscriptionIds ??= []).Add(p.Integer);
            }
        }

        return new MqttMessage(topic, packet.Payload.ToArray())
        {
            QoS = packet.QoS,
            Retain = packet.Retain,
            Duplicate = packet.Duplicate,
            PayloadIsUtf8 = properties.GetIntegerOrNull(PropertyId.PayloadFormatIndicator) is { } format ? format == 1 : null,
            MessageExpiryInterval = properties.GetIntegerOrNull(PropertyId.MessageExpiryInterval),
            ContentType = properties.GetStringOrNull(PropertyId.ContentType),
            ResponseTopic = properties.GetStringOrNull(PropertyId.ResponseTopic),
            CorrelationData = properties.TryGetBytes(PropertyId.CorrelationData, out var correlation) ? correlation.ToArray() : null,
            UserProperties = UserProperties(properties),
            SubscriptionIdentifiers = subscriptionIds is null ? [] : subscriptionIds,
        };
    }

    /// <summary>A message read back from the durable store (its properties are stored in the 5.0 encoding).</summary>
    public static MqttMessage FromStored(Persistence.StoredMessage stored)
    {
        var properties = new MqttProperties(stored.Properties);
        return new MqttMessage(stored.Topic, stored.Payload)
        {
            QoS = stored.QoS,
            Retain = stored.Retain,
            PayloadIsUtf8 = properties.GetIntegerOrNull(PropertyId.PayloadFormatIndicator) is { } format ? format == 1 : null,
            MessageExpiryInterval = properties.GetIntegerOrNull(PropertyId.MessageExpiryInterval),
            ContentType = properties.GetStringOrNull(PropertyId.ContentType),
            ResponseTopic = properties.GetStringOrNull(PropertyId.ResponseTopic),
            CorrelationData = properties.TryGetBytes(PropertyId.CorrelationData, out var correlation) ? correlation.ToArray() : null,
            UserProperties = UserProperties(properties),
        };
    }

    public static IReadOnlyList<MqttUserProperty> UserProperties(MqttProperties properties)
    {
        List<MqttUserProperty>? list = null;
        foreach (var p in properties)
        {
            if (p.Id == PropertyId.UserProperty)
            {
                (list ??= []).Add(new MqttUserProperty(p.GetString(), p.GetPairValueString()));
            }
        }

        return list is null ? [] : list;
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
