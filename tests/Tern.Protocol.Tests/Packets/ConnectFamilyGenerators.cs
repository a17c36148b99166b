using System.Text;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Tests.Packets;

/// <summary>CsCheck generators for the CONNECT family: UTF-8 text (non-ASCII included), topics, binary, and property blocks valid for a context.</summary>
internal static class ConnectFamilyGenerators
{
    /// <summary>One Unicode scalar value: ASCII, 2-, 3- and 4-byte UTF-8, no surrogates, no C0/C1 controls.</summary>
    private static readonly Gen<string> Scalar = Gen.OneOf(
        Gen.Int[0x20, 0x7E],
        Gen.Int[0xA0, 0x7FF],
        Gen.Int[0x800, 0xD7FF],
        Gen.Int[0xE000, 0xFFFD],
        Gen.Int[0x10000, 0x10FFFF]).Select(char.ConvertFromUtf32);

    public static readonly Gen<ProtocolVersion> Version = Gen.OneOfConst(ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500);

    public static readonly Gen<QualityOfService> QoS = Gen.OneOfConst(QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce);

    /// <summary>UTF-8 bytes of a string of <paramref name="min"/> to <paramref name="max"/> scalar values.</summary>
    public static Gen<byte[]> Text(int min, int max) => Scalar.Array[min, max].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)));

    /// <summary>A valid Topic Name: at least one character, no wildcards.</summary>
    public static readonly Gen<byte[]> Topic = Scalar.Array[1, 12]
        .Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts).Replace('+', 'p').Replace('#', 'h')));

    public static Gen<byte[]> Binary(int max) => Gen.Byte.Array[0, max];

    /// <summary>A property block (no length prefix) of properties allowed in <paramref name="context"/>, each present or not, User Properties 0 to 3 times.</summary>
    public static Gen<byte[]> Properties(PropertyContext context)
    {
        Gen<Action<PropertyBuilder>> block = Gen.Const<Action<PropertyBuilder>>(static _ => { });
        foreach (var candidate in Candidates(context))
        {
            block = Gen.Select(block, Gen.Bool, candidate, static (acc, include, add) => include ? acc + add : acc);
        }

        var users = Gen.Select(Text(0, 6), Text(0, 6)).Array[0, 3]
            .Select(pairs => (Action<PropertyBuilder>)(b =>
            {
                foreach (var (name, value) in pairs)
                {
                    Writer(b, name, value);
                }
            }));
        return Gen.Select(block, users, static (add, addUsers) =>
        {
            var builder = new PropertyBuilder();
            add(builder);
            addUsers(builder);
            return builder.Span.ToArray();
        });

        static void Writer(PropertyBuilder b, byte[] name, byte[] value) =>
            b.AddUserProperty(Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(value));
    }

    private static IEnumerable<Gen<Action<PropertyBuilder>>> Candidates(PropertyContext context)
    {
        static Gen<Action<PropertyBuilder>> U32(PropertyId id, Gen<uint> value) => value.Select(v => (Action<PropertyBuilder>)(b => b.AddUInt32(id, v)));
        static Gen<Action<PropertyBuilder>> U16(PropertyId id, Gen<ushort> value) => value.Select(v => (Action<PropertyBuilder>)(b => b.AddUInt16(id, v)));
        static Gen<Action<PropertyBuilder>> Flag(PropertyId id) => Gen.Byte[0, 1].Select(v => (Action<PropertyBuilder>)(b => b.AddByte(id, v)));
        static Gen<Action<PropertyBuilder>> Bytes(PropertyId id, Gen<byte[]> value) => value.Select(v => (Action<PropertyBuilder>)(b => b.AddBytes(id, v)));

        // Authentication Data only together with a method ([5.0 §3.1.2.11.10] in CONNECT).
        var authentication = Gen.Select(Text(1, 10), Gen.Bool, Binary(16), static (method, withData, data) => (Action<PropertyBuilder>)(b =>
        {
            b.AddBytes(PropertyId.AuthenticationMethod, method);
            if (withData)
            {
                b.AddBytes(PropertyId.AuthenticationData, data);
            }
        }));

        switch (context)
        {
            case PropertyContext.Connect:
                yield return U32(PropertyId.SessionExpiryInterval, Gen.UInt);
                yield return U16(PropertyId.ReceiveMaximum, Gen.UShort[1, ushort.MaxValue]);
                yield return U32(PropertyId.MaximumPacketSize, Gen.UInt[1, uint.MaxValue]);
                yield return U16(PropertyId.TopicAliasMaximum, Gen.UShort);
                yield return Flag(PropertyId.RequestResponseInformation);
                yield return Flag(PropertyId.RequestProblemInformation);
                yield return authentication;
                break;
            case PropertyContext.Will:
                yield return U32(PropertyId.WillDelayInterval, Gen.UInt);
                yield return Flag(PropertyId.PayloadFormatIndicator);
                yield return U32(PropertyId.MessageExpiryInterval, Gen.UInt);
                yield return Bytes(PropertyId.ContentType, Text(0, 8));
                yield return Bytes(PropertyId.ResponseTopic, Topic);
                yield return Bytes(PropertyId.CorrelationData, Binary(16));
                break;
            case PropertyContext.ConnAck:
                yield return U32(PropertyId.SessionExpiryInterval, Gen.UInt);
                yield return U16(PropertyId.ReceiveMaximum, Gen.UShort[1, ushort.MaxValue]);
                yield return Flag(PropertyId.MaximumQoS);
                yield return Flag(PropertyId.RetainAvailable);
                yield return U32(PropertyId.MaximumPacketSize, Gen.UInt[1, uint.MaxValue]);
                yield return Bytes(PropertyId.AssignedClientIdentifier, Text(1, 23));
                yield return U16(PropertyId.TopicAliasMaximum, Gen.UShort);
                yield return Bytes(PropertyId.ReasonString, Text(0, 20));
                yield return Flag(PropertyId.WildcardSubscriptionAvailable);
                yield return Flag(PropertyId.SubscriptionIdentifierAvailable);
                yield return Flag(PropertyId.SharedSubscriptionAvailable);
                yield return U16(PropertyId.ServerKeepAlive, Gen.UShort);
                yield return Bytes(PropertyId.ResponseInformation, Text(0, 10));
                yield return Bytes(PropertyId.ServerReference, Text(1, 20));
                yield return authentication;
                break;
            case PropertyContext.Disconnect:
                yield return U32(PropertyId.SessionExpiryInterval, Gen.UInt);
                yield return Bytes(PropertyId.ReasonString, Text(0, 20));
                yield return Bytes(PropertyId.ServerReference, Text(1, 20));
                break;
            case PropertyContext.Auth:
                yield return authentication;
                yield return Bytes(PropertyId.ReasonString, Text(0, 20));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(context));
        }
    }
}

/// <summary>A CONNECT as plain data, so CsCheck can generate and print it; <see cref="ToPacket"/> makes the view.</summary>
internal sealed record ConnectModel(
    ProtocolVersion Version,
    bool CleanSession,
    ushort KeepAlive,
    byte[] Properties,
    byte[] ClientIdentifier,
    bool HasWill,
    QualityOfService WillQoS,
    bool WillRetain,
    byte[] WillProperties,
    byte[] WillTopic,
    byte[] WillPayload,
    bool HasUserName,
    byte[] UserName,
    bool HasPassword,
    byte[] Password)
{
    public ConnectPacket ToPacket() => new()
    {
        ProtocolVersion = Version,
        CleanSession = CleanSession,
        KeepAlive = KeepAlive,
        Properties = new MqttProperties(Properties),
        ClientIdentifier = ClientIdentifier,
        HasWill = HasWill,
        WillQoS = WillQoS,
        WillRetain = WillRetain,
        WillProperties = new MqttProperties(WillProperties),
        WillTopic = WillTopic,
        WillPayload = WillPayload,
        HasUserName = HasUserName,
        UserName = UserName,
        HasPassword = HasPassword,
        Password = Password,
    };

    public override string ToString() =>
        $"v{(byte)Version} clean={CleanSession} ka={KeepAlive} props={Convert.ToHexString(Properties)} id={Convert.ToHexString(ClientIdentifier)} " +
        $"will={HasWill}/{WillQoS}/{WillRetain} wprops={Convert.ToHexString(WillProperties)} wtopic={Convert.ToHexString(WillTopic)} " +
        $"wpayload={Convert.ToHexString(WillPayload)} user={HasUserName}:{Convert.ToHexString(UserName)} pw={HasPassword}:{Convert.ToHexString(Password)}";

    /// <summary>Every CONNECT a client may send, for each version: 3.x without properties, a password only with a user name before 5.0, a non-empty client id where 3.1 / 3.1.1 require one.</summary>
    public static readonly Gen<ConnectModel> Generator =
        from version in ConnectFamilyGenerators.Version
        from clean in Gen.Bool
        from keepAlive in Gen.UShort
        from properties in version == ProtocolVersion.V500 ? ConnectFamilyGenerators.Properties(PropertyContext.Connect) : Gen.Const(Array.Empty<byte>())
        from clientId in version == ProtocolVersion.V310 || (version == ProtocolVersion.V311 && !clean) ? ConnectFamilyGenerators.Text(1, 23) : ConnectFamilyGenerators.Text(0, 23)
        from will in WillGen(version)
        from hasUserName in Gen.Bool
        from userName in hasUserName ? ConnectFamilyGenerators.Text(0, 12) : Gen.Const(Array.Empty<byte>())
        from hasPassword in hasUserName || version == ProtocolVersion.V500 ? Gen.Bool : Gen.Const(false)
        from password in hasPassword ? ConnectFamilyGenerators.Binary(16) : Gen.Const(Array.Empty<byte>())
        select new ConnectModel(version, clean, keepAlive, properties, clientId, will.Has, will.QoS, will.Retain, will.Properties, will.Topic, will.Payload, hasUserName, userName, hasPassword, password);

    private static Gen<(bool Has, QualityOfService QoS, bool Retain, byte[] Properties, byte[] Topic, byte[] Payload)> WillGen(ProtocolVersion version) =>
        Gen.Bool.SelectMany(has => has
            ? Gen.Select(
                ConnectFamilyGenerators.QoS,
                Gen.Bool,
                version == ProtocolVersion.V500 ? ConnectFamilyGenerators.Properties(PropertyContext.Will) : Gen.Const(Array.Empty<byte>()),
                ConnectFamilyGenerators.Topic,
                ConnectFamilyGenerators.Binary(32),
                static (qos, retain, props, topic, payload) => (true, qos, retain, props, topic, payload))
            : Gen.Const((false, QualityOfService.AtMostOnce, false, Array.Empty<byte>(), Array.Empty<byte>(), Array.Empty<byte>())));
}
