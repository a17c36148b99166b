using System.Buffers;

namespace Tern.Protocol.Properties;

internal enum PropertyReadStatus : byte
{
    Done,
    Truncated,
    UnknownIdentifier,
    InvalidVariableByteInteger,
}

/// <summary>
/// Reads and validates MQTT 5.0 property blocks (5.0 §2.2.2). Every rule is checked once, at decode time, so the
/// <see cref="MqttProperties"/> view handed to the broker is known to be good.
/// </summary>
internal static class PropertyReader
{
    /// <summary>
    /// Reads the property length and the block that follows from <paramref name="reader"/>, and validates the block
    /// for <paramref name="context"/>.
    /// </summary>
    public static bool TryReadBlock(scoped ref MqttReader reader, PropertyContext context, out MqttProperties properties, out ProtocolViolation violation)
    {
        properties = default;
        switch (reader.TryReadVariableByteInteger(out int length))
        {
            case OperationStatus.NeedMoreData:
                violation = ProtocolViolation.Malformed("5.0 §2.2.2.1", "packet ends inside the property length");
                return false;
            case OperationStatus.InvalidData:
                violation = ProtocolViolation.Malformed("5.0 MQTT-1.5.5-1", "property length is not a valid variable byte integer");
                return false;
        }

        if (!reader.TryReadBytes(length, out var raw))
        {
            violation = ProtocolViolation.Malformed("5.0 §2.2.2.1", "property length exceeds the packet");
            return false;
        }

        if (!TryValidate(raw, context, out violation))
        {
            return false;
        }

        properties = new MqttProperties(raw);
        return true;
    }

    /// <summary>Validates a property block (without its length prefix) for a context.</summary>
    public static bool TryValidate(ReadOnlySpan<byte> raw, PropertyContext context, out ProtocolViolation violation)
    {
        var reader = new MqttReader(raw);
        ulong seen = 0; // bit per property id: every id is below 64.
        while (!reader.End)
        {
            switch (TryReadOne(ref reader, out var property, out int id))
            {
                case PropertyReadStatus.Truncated:
                    violation = ProtocolViolation.Malformed("5.0 §2.2.2.2", "property value cut short by the property length");
                    return false;
                case PropertyReadStatus.UnknownIdentifier:
                    violation = ProtocolViolation.Malformed("5.0 §2.2.2.2", "unknown property identifier");
                    return false;
                case PropertyReadStatus.InvalidVariableByteInteger:
                    violation = ProtocolViolation.Malformed("5.0 MQTT-1.5.5-1", "Subscription Identifier longer than 4 bytes or not minimally encoded");
                    return false;
            }

            if ((PropertyDefinitions.GetAllowedContexts(property.Id) & context) == 0)
            {
                violation = ProtocolViolation.Malformed("5.0 §2.2.2.2", "property not allowed in this packet");
                return false;
            }

            ulong bit = 1UL << id;
            if ((seen & bit) != 0 && !PropertyDefinitions.MayRepeat(property.Id, context))
            {
                violation = ProtocolViolation.ProtocolError("5.0 §2.2.2.2", "property included more than once");
                return false;
            }

            seen |= bit;
            if (!TryValidateValue(property, context, out violation))
            {
                return false;
            }
        }

        violation = default;
        return true;
    }

    /// <summary>Reads one property: identifier and value, checking only that the bytes are there.</summary>
    public static PropertyReadStatus TryReadOne(scoped ref MqttReader reader, out MqttProperty property, out int id)
    {
        property = default;
        // The identifier is a Variable Byte Integer, but every defined one fits in a single byte (5.0 §2.2.2.2):
        // a multi-byte identifier is unknown by definition.
        var status = reader.TryReadVariableByteInteger(out id);
        if (status == OperationStatus.NeedMoreData)
        {
            return PropertyReadStatus.Truncated;
        }

        if (status == OperationStatus.InvalidData || id > 0x7F)
        {
            return PropertyReadStatus.UnknownIdentifier;
        }

        var propertyId = (PropertyId)id;
        switch (PropertyDefinitions.GetType(propertyId))
        {
            case PropertyType.Byte:
                if (!reader.TryReadByte(out byte b))
                {
                    return PropertyReadStatus.Truncated;
                }

                property = new MqttProperty(propertyId, b, default, default);
                return PropertyReadStatus.Done;
            case PropertyType.TwoByteInteger:
                if (!reader.TryReadUInt16(out ushort u16))
                {
                    return PropertyReadStatus.Truncated;
                }

                property = new MqttProperty(propertyId, u16, default, default);
                return PropertyReadStatus.Done;
            case PropertyType.FourByteInteger:
                if (!reader.TryReadUInt32(out uint u32))
                {
                    return PropertyReadStatus.Truncated;
                }

                property = new MqttProperty(propertyId, u32, default, default);
                return PropertyReadStatus.Done;
            case PropertyType.VariableByteInteger:
                var vbi = reader.TryReadVariableByteInteger(out int v);
                if (vbi == OperationStatus.NeedMoreData)
                {
                    return PropertyReadStatus.Truncated;
                }

                if (vbi == OperationStatus.InvalidData)
                {
                    return PropertyReadStatus.InvalidVariableByteInteger;
                }

                property = new MqttProperty(propertyId, (uint)v, default, default);
                return PropertyReadStatus.Done;
            case PropertyType.Utf8String or PropertyType.BinaryData:
                if (!reader.TryReadLengthPrefixed(out var bytes))
                {
                    return PropertyReadStatus.Truncated;
                }

                property = new MqttProperty(propertyId, 0, bytes, default);
                return PropertyReadStatus.Done;
            case PropertyType.Utf8StringPair:
                if (!reader.TryReadLengthPrefixed(out var name) || !reader.TryReadLengthPrefixed(out var value))
                {
                    return PropertyReadStatus.Truncated;
                }

                property = new MqttProperty(propertyId, 0, name, value);
                return PropertyReadStatus.Done;
            default:
                return PropertyReadStatus.UnknownIdentifier;
        }
    }

    private static bool TryValidateValue(in MqttProperty p, PropertyContext context, out ProtocolViolation violation)
    {
        violation = default;
        switch (p.Id)
        {
            case PropertyId.PayloadFormatIndicator when p.Integer > 1:
                violation = ProtocolViolation.ProtocolError("5.0 §3.3.2.3.2", "Payload Format Indicator is neither 0 nor 1");
                return false;
            case PropertyId.RequestProblemInformation when p.Integer > 1:
                violation = ProtocolViolation.ProtocolError("5.0 §3.1.2.11.7", "Request Problem Information is neither 0 nor 1");
                return false;
            case PropertyId.RequestResponseInformation when p.Integer > 1:
                violation = ProtocolViolation.ProtocolError("5.0 §3.1.2.11.6", "Request Response Information is neither 0 nor 1");
                return false;
            case PropertyId.MaximumQoS when p.Integer > 1:
                violation = ProtocolViolation.ProtocolError("5.0 §3.2.2.3.4", "Maximum QoS is neither 0 nor 1");
                return false;
            case PropertyId.RetainAvailable or PropertyId.WildcardSubscriptionAvailable
                or PropertyId.SubscriptionIdentifierAvailable or PropertyId.SharedSubscriptionAvailable when p.Integer > 1:
                violation = ProtocolViolation.ProtocolError("5.0 §3.2.2.3", "an availability flag is neither 0 nor 1");
                return false;
            case PropertyId.ReceiveMaximum when p.Integer == 0:
                violation = ProtocolViolation.ProtocolError("5.0 §3.1.2.11.3", "Receive Maximum is 0");
                return false;
            case PropertyId.MaximumPacketSize when p.Integer == 0:
                violation = ProtocolViolation.ProtocolError("5.0 §3.1.2.11.4", "Maximum Packet Size is 0");
                return false;
            case PropertyId.SubscriptionIdentifier when p.Integer == 0:
                violation = ProtocolViolation.ProtocolError(context == PropertyContext.Subscribe ? "5.0 §3.8.2.1.2" : "5.0 §3.3.2.3.8", "Subscription Identifier is 0");
                return false;
            case PropertyId.TopicAlias when p.Integer == 0:
                violation = new ProtocolViolation(ReasonCode.TopicAliasInvalid, "5.0 MQTT-3.3.2-8", "Topic Alias is 0");
                return false;
        }

        var type = PropertyDefinitions.GetType(p.Id);
        if (type is PropertyType.Utf8String or PropertyType.Utf8StringPair)
        {
            violation = CheckString(p.Value);
            if (violation.IsNone && type == PropertyType.Utf8StringPair)
            {
                violation = CheckString(p.PairValue);
            }

            return violation.IsNone;
        }

        return true;
    }

    private static ProtocolViolation CheckString(ReadOnlySpan<byte> value) => Utf8Rules.Check(value) switch
    {
        Utf8Status.IllFormed => ProtocolViolation.Malformed("5.0 MQTT-1.5.4-1", "ill-formed UTF-8 in a string property"),
        Utf8Status.NullCharacter => ProtocolViolation.Malformed("5.0 MQTT-1.5.4-2", "U+0000 in a string property"),
        _ => default,
    };
}
