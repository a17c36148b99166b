using System.Buffers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Tests.Security;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.TestKit;

namespace Tern.Broker.Tests.Mqtt5;

/// <summary>SCRAM-SHA-256 over a real connection: CONNECT with a method, AUTH 0x18 both ways, CONNACK (5.0 §4.12).</summary>
public class EnhancedAuthenticationTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static async Task<TernBroker> StartAsync()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("alice", "correct horse");
        return await TernBroker.StartAsync(
            configure: null,
            services: services => services.AddSingleton<IEnhancedAuthenticationMechanism>(new ScramMechanism(ScramHash.Sha256, store)));
    }

    private static byte[] Connect(string clientId, string method, ReadOnlySpan<byte> data) =>
        Packets.Connect(clientId, V5, properties: new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, method).AddBytes(PropertyId.AuthenticationData, data));

    private static byte[] Auth(ReasonCode reason, string method, ReadOnlySpan<byte> data)
    {
        var writer = new ArrayBufferWriter<byte>();
        AuthPacket.Write(writer, new AuthPacket { ReasonCode = reason, Properties = new MqttProperties(new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, method).AddBytes(PropertyId.AuthenticationData, data).Span) });
        return writer.WrittenSpan.ToArray();
    }

    private static (ReasonCode Reason, string? Data) ReadAuthOrConnAck(byte[] frame)
    {
        var header = new FixedHeader(frame[0], frame.Length - 2, 2);
        if (header.Type == PacketType.Auth)
        {
            Assert.True(AuthPacket.TryDecode(header, frame.AsSpan(2), V5, out var auth, out var violation), violation.ToString());
            return (auth.ReasonCode, auth.AuthenticationData.IsEmpty ? null : Encoding.UTF8.GetString(auth.AuthenticationData));
        }

        Assert.Equal(PacketType.ConnAck, header.Type);
        Assert.True(ConnAckPacket.TryDecode(header, frame.AsSpan(2), V5, out var connack, out var error), error.ToString());
        return (connack.ReasonCode, connack.Properties.TryGetBytes(PropertyId.AuthenticationData, out var data) ? Encoding.UTF8.GetString(data) : null);
    }

    [Fact]
    public async Task A_client_with_the_right_password_authenticates_with_scram_sha_256()
    {
        await using var broker = await StartAsync();
        var scram = new ScramTestClient(ScramHash.Sha256, "alice", "correct horse");
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Connect("scram-ok", "SCRAM-SHA-256", scram.ClientFirstBytes));
        var (continueCode, serverFirst) = ReadAuthOrConnAck(await client.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(ReasonCode.ContinueAuthentication, continueCode);
        await client.SendAsync(Auth(ReasonCode.ContinueAuthentication, "SCRAM-SHA-256", scram.ClientFinalBytes(serverFirst!)));
        var (connackCode, serverFinal) = ReadAuthOrConnAck(await client.ReadPacketAsync(Timeouts.Default));

        Assert.Equal(ReasonCode.Success, connackCode);
        Assert.True(scram.VerifyServerFinal(serverFinal!), "the server proved it knows the credential");
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_0x86()
    {
        await using var broker = await StartAsync();
        var scram = new ScramTestClient(ScramHash.Sha256, "alice", "wrong");
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Connect("scram-bad", "SCRAM-SHA-256", scram.ClientFirstBytes));
        var (_, serverFirst) = ReadAuthOrConnAck(await client.ReadPacketAsync(Timeouts.Default));
        await client.SendAsync(Auth(ReasonCode.ContinueAuthentication, "SCRAM-SHA-256", scram.ClientFinalBytes(serverFirst!)));

        Assert.Equal(ReasonCode.BadUserNameOrPassword, ReadAuthOrConnAck(await client.ReadPacketAsync(Timeouts.Default)).Reason);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task An_unsupported_method_is_refused_with_0x8C_MQTT_4_12_0_1()
    {
        await using var broker = await StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Connect("scram-method", "KERBEROS", "x"u8));

        Assert.Equal(ReasonCode.BadAuthenticationMethod, ReadAuthOrConnAck(await client.ReadPacketAsync(Timeouts.Default)).Reason);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_publish_before_connack_during_authentication_is_refused_with_connack_0x82_MQTT_3_1_2_30()
    {
        await using var broker = await StartAsync();
        var scram = new ScramTestClient(ScramHash.Sha256, "alice", "correct horse");
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Connect("scram-early", "SCRAM-SHA-256", scram.ClientFirstBytes));
        await client.ReadPacketAsync(Timeouts.Default); // AUTH 0x18
        await client.SendAsync(Packets.Publish("early", "x", version: V5));

        Assert.Equal(ReasonCode.ProtocolError, ReadAuthOrConnAck(await client.ReadPacketAsync(Timeouts.Default)).Reason);
        await client.ExpectClosedAsync(Timeouts.Default);
    }
}

/// <summary>SCRAM against the broker's user store: the password file that <c>tern passwd</c> writes.</summary>
public class PasswordFileScramTests
{
    [Fact]
    public async Task A_user_from_the_password_file_authenticates_with_scram_sha_512()
    {
        string file = Path.Combine(Path.GetTempPath(), $"tern-passwd-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, PasswordFile.CreateEntry("bob", "hunter2"u8, 4096, 4096) + "\n");
        try
        {
            await using var broker = await TernBroker.StartAsync(o => o.Security.PasswordFile = file);
            var scram = new ScramTestClient(ScramHash.Sha512, "bob", "hunter2");
            await using var client = await broker.ConnectRawAsync();

            await client.SendAsync(Packets.Connect("scram-file", ProtocolVersion.V500, properties: new PropertyBuilder()
                .AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-512").AddBytes(PropertyId.AuthenticationData, scram.ClientFirstBytes)));
            var serverFirst = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal(0xF0, serverFirst[0]); // AUTH 0x18
            var header = new FixedHeader(serverFirst[0], serverFirst.Length - 2, 2);
            Assert.True(AuthPacket.TryDecode(header, serverFirst.AsSpan(2), ProtocolVersion.V500, out var auth, out _));
            var writer = new ArrayBufferWriter<byte>();
            AuthPacket.Write(writer, new AuthPacket
            {
                ReasonCode = ReasonCode.ContinueAuthentication,
                Properties = new MqttProperties(new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-512")
                    .AddBytes(PropertyId.AuthenticationData, scram.ClientFinalBytes(Encoding.UTF8.GetString(auth.AuthenticationData))).Span),
            });
            await client.SendAsync(writer.WrittenSpan.ToArray());

            var connack = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal(0x20, connack[0]);
            Assert.Equal(0x00, connack[3]);
            await client.ExpectAliveAsync();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
