using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Properties;

public class PropertyReaderTests
{
    private static (bool Ok, ProtocolViolation Violation) Read(string hex, PropertyContext context)
    {
        var reader = new MqttReader(Hex.Bytes(hex));
        bool ok = PropertyReader.TryReadBlock(ref reader, context, out _, out var violation);
        return (ok, violation);
    }

    [Fact]
    public void A_block_of_every_publish_property_reads_back_in_wire_order()
    {
        var raw = new PropertyBuilder()
            .AddByte(PropertyId.PayloadFormatIndicator, 1)
            .AddUInt32(PropertyId.MessageExpiryInterval, 3600)
            .AddString(PropertyId.ContentType, "text/plain")
            .AddString(PropertyId.ResponseTopic, "reply/to")
            .AddBytes(PropertyId.CorrelationData, [1, 2, 3])
            .AddUserProperty("b", "2")
            .AddUserProperty("a", "1")
            .AddUserProperty("b", "3")
            .AddUInt16(PropertyId.TopicAlias, 5)
            .Span.ToArray();

        Assert.True(PropertyReader.TryValidate(raw, PropertyContext.Publish, out var violation), violation.ToString());
        var properties = new MqttProperties(raw);
        Assert.Equal(1u, properties.GetIntegerOrNull(PropertyId.PayloadFormatIndicator));
        Assert.Equal(3600u, properties.GetIntegerOrNull(PropertyId.MessageExpiryInterval));
        Assert.Equal("text/plain", properties.GetStringOrNull(PropertyId.ContentType));
        Assert.Equal("reply/to", properties.GetStringOrNull(PropertyId.ResponseTopic));
        Assert.True(properties.TryGetBytes(PropertyId.CorrelationData, out var correlation));
        Assert.Equal([1, 2, 3], correlation.ToArray());
        Assert.Equal(5u, properties.GetIntegerOrNull(PropertyId.TopicAlias));

        var pairs = new List<string>();
        foreach (var p in properties)
        {
            if (p.Id == PropertyId.UserProperty)
            {
                pairs.Add($"{p.GetString()}={p.GetPairValueString()}");
            }
        }

        // User Properties keep their order and duplicates (5.0 §3.3.2.3.7).
        Assert.Equal(["b=2", "a=1", "b=3"], pairs);
    }

    [Fact]
    public void An_empty_block_is_valid_and_has_no_properties()
    {
        var (ok, _) = Read("00", PropertyContext.Connect);
        Assert.True(ok);
    }

    [Theory]
    // id, then why, then the expected reason code and statement.
    [InlineData("02 00 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                       // id 0 is not defined
    [InlineData("02 04 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                       // id 4 is not defined
    [InlineData("02 7F 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                       // id 0x7F is not defined
    [InlineData("03 80 01 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                    // multi-byte id 0x80
    [InlineData("03 23 00 01", PropertyContext.Connect, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                    // Topic Alias in CONNECT
    [InlineData("02 01 01", PropertyContext.Connect, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                       // Payload Format Indicator in CONNECT (only Will)
    [InlineData("05 18 00 00 00 01", PropertyContext.Connect, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]              // Will Delay Interval in CONNECT properties
    [InlineData("03 13 00 0A", PropertyContext.Subscribe, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                  // Server Keep Alive in SUBSCRIBE
    [InlineData("02 0B 01", PropertyContext.Connect, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]                       // Subscription Identifier in CONNECT
    [InlineData("0A 11 00 00 00 01 11 00 00 00 02", PropertyContext.Connect, ReasonCode.ProtocolError, "5.0 §2.2.2.2")] // Session Expiry twice
    [InlineData("06 21 00 01 21 00 02", PropertyContext.Connect, ReasonCode.ProtocolError, "5.0 §2.2.2.2")]             // Receive Maximum twice
    [InlineData("04 0B 01 0B 02", PropertyContext.Subscribe, ReasonCode.ProtocolError, "5.0 §2.2.2.2")]                 // Subscription Identifier twice in SUBSCRIBE
    [InlineData("06 09 00 01 'a' 09 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.2")]          // second value cut short
    [InlineData("03 21 00 00", PropertyContext.Connect, ReasonCode.ProtocolError, "5.0 §3.1.2.11.3")]                   // Receive Maximum 0
    [InlineData("05 27 00 00 00 00", PropertyContext.Connect, ReasonCode.ProtocolError, "5.0 §3.1.2.11.4")]             // Maximum Packet Size 0
    [InlineData("02 17 02", PropertyContext.Connect, ReasonCode.ProtocolError, "5.0 §3.1.2.11.7")]                      // Request Problem Information 2
    [InlineData("02 19 02", PropertyContext.Connect, ReasonCode.ProtocolError, "5.0 §3.1.2.11.6")]                      // Request Response Information 2
    [InlineData("02 01 02", PropertyContext.Publish, ReasonCode.ProtocolError, "5.0 §3.3.2.3.2")]                       // Payload Format Indicator 2
    [InlineData("02 24 02", PropertyContext.ConnAck, ReasonCode.ProtocolError, "5.0 §3.2.2.3.4")]                       // Maximum QoS 2
    [InlineData("02 25 05", PropertyContext.ConnAck, ReasonCode.ProtocolError, "5.0 §3.2.2.3")]                         // Retain Available 5
    [InlineData("02 0B 00", PropertyContext.Publish, ReasonCode.ProtocolError, "5.0 §3.3.2.3.8")]                       // Subscription Identifier 0
    [InlineData("03 23 00 00", PropertyContext.Publish, ReasonCode.TopicAliasInvalid, "5.0 MQTT-3.3.2-8")]              // Topic Alias 0
    [InlineData("06 0B 80 80 80 80 01", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 MQTT-1.5.5-1")]           // 5-byte Subscription Identifier (A2)
    [InlineData("03 0B 80 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 MQTT-1.5.5-1")]                    // non-minimal Subscription Identifier
    [InlineData("06 03 00 03 ED A0 80", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 MQTT-1.5.4-1")]       // surrogate in Content Type
    [InlineData("08 26 00 01 'k' 00 02 C0 80", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 MQTT-1.5.4-1")] // overlong in a User Property value
    [InlineData("05 1F 00 02 'a' 00", PropertyContext.PubAck, ReasonCode.MalformedPacket, "5.0 MQTT-1.5.4-2")]          // U+0000 in a Reason String
    [InlineData("0A 02 00 00", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.1")]                    // property length past the end (A12)
    [InlineData("80 80 80 80 01", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 MQTT-1.5.5-1")]             // 5-byte property length (A2)
    [InlineData("80", PropertyContext.Publish, ReasonCode.MalformedPacket, "5.0 §2.2.2.1")]                             // packet ends inside the property length
    public void A_bad_property_block_is_refused_with_the_exact_reason(string hex, PropertyContext context, ReasonCode reason, string statement)
    {
        var (ok, violation) = Read(hex, context);

        Assert.False(ok);
        Assert.Equal(reason, violation.ReasonCode);
        Assert.Equal(statement, violation.Statement);
    }

    [Fact]
    public void Subscription_identifiers_may_repeat_in_a_publish_one_per_matching_subscription()
    {
        var (ok, _) = Read("04 0B 01 0B 02", PropertyContext.Publish);
        Assert.True(ok);
    }

    [Fact]
    public void Topic_alias_maximum_of_0_is_accepted_it_means_no_aliases()
    {
        var (ok, _) = Read("03 22 00 00", PropertyContext.Connect);
        Assert.True(ok);
    }

    [Fact]
    public void Fifty_thousand_user_properties_are_read_in_linear_time_and_allocate_nothing()
    {
        // CVE-2021-41039: property floods must cost time linear in their size.
        var builder = new PropertyBuilder();
        for (int i = 0; i < 50_000; i++)
        {
            builder.AddUserProperty("k", "v");
        }

        var raw = builder.Span.ToArray();
        Assert.True(PropertyReader.TryValidate(raw, PropertyContext.Connect, out _)); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok = PropertyReader.TryValidate(raw, PropertyContext.Connect, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(ok);
        Assert.Equal(0, allocated);
        Assert.Equal(50_000, new MqttProperties(raw).Count(PropertyId.UserProperty));
    }
}
