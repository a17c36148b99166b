using System.Buffers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.TestKit;

namespace Tern.Broker.Tests.Security;

/// <summary>A broker started with a password file and/or an ACL file written for one test, deleted with it.</summary>
internal sealed class SecuredBroker : IAsyncDisposable
{
    private SecuredBroker(TernBroker broker, string directory)
    {
        Broker = broker;
        Directory = directory;
    }

    public TernBroker Broker { get; }

    public string Directory { get; }

    public string PasswordPath => Path.Combine(Directory, "passwd");

    public string AclPath => Path.Combine(Directory, "acl");

    /// <summary>Starts a broker; <paramref name="users"/> are <c>user:password</c> pairs (null: no password file), <paramref name="acl"/> the ACL text (null: none).</summary>
    public static async Task<SecuredBroker> StartAsync(
        string[]? users = null,
        string? acl = null,
        Action<BrokerOptions>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"tern-security-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        string passwd = Path.Combine(directory, "passwd");
        string aclPath = Path.Combine(directory, "acl");
        if (users is not null)
        {
            await File.WriteAllTextAsync(passwd, PasswordLines(users));
        }

        if (acl is not null)
        {
            await File.WriteAllTextAsync(aclPath, acl);
        }

        var broker = await TernBroker.StartAsync(
            o =>
            {
                o.Security.PasswordFile = users is null ? null : passwd;
                o.Security.AclFile = acl is null ? null : aclPath;
                configure?.Invoke(o);
            },
            services: services);
        return new SecuredBroker(broker, directory);
    }

    public static string PasswordLines(params string[] users) =>
        string.Concat(users.Select(u => TestEntries.Entry(u[..u.IndexOf(':', StringComparison.Ordinal)], u[(u.IndexOf(':', StringComparison.Ordinal) + 1)..]) + "\n"));

    /// <summary>Sends CONNECT and returns the CONNACK's return / reason code (byte 3).</summary>
    public async Task<(RawMqttConnection Connection, byte Code)> ConnectAsync(string clientId, string? user, string? password, ProtocolVersion version = ProtocolVersion.V311, string? willTopic = null)
    {
        var connection = await Broker.ConnectRawAsync(clientId);
        await connection.SendAsync(Connect(clientId, user, password, version, willTopic));
        var connack = await connection.ReadPacketAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0x20, connack[0]);
        return (connection, connack[3]);
    }

    /// <summary>Connects and expects acceptance.</summary>
    public async Task<RawMqttConnection> ConnectAcceptedAsync(string clientId, string? user, string? password, ProtocolVersion version = ProtocolVersion.V311)
    {
        var (connection, code) = await ConnectAsync(clientId, user, password, version);
        Assert.True(code == 0, $"CONNECT of {clientId} as {user ?? "(anonymous)"} refused with 0x{code:X2}; log:\n{Broker.Log}");
        return connection;
    }

    public static byte[] Connect(string clientId, string? user, string? password, ProtocolVersion version = ProtocolVersion.V311, string? willTopic = null, bool clean = true)
    {
        var writer = new ArrayBufferWriter<byte>();
        ConnectPacket.Write(writer, new ConnectPacket
        {
            ProtocolVersion = version,
            CleanSession = clean,
            KeepAlive = 60,
            Properties = new MqttProperties(default),
            ClientIdentifier = Encoding.UTF8.GetBytes(clientId),
            HasUserName = user is not null,
            UserName = user is null ? default : Encoding.UTF8.GetBytes(user),
            HasPassword = password is not null,
            Password = password is null ? default : Encoding.UTF8.GetBytes(password),
            HasWill = willTopic is not null,
            WillProperties = new MqttProperties(default),
            WillTopic = willTopic is null ? default : Encoding.UTF8.GetBytes(willTopic),
            WillPayload = willTopic is null ? default : "gone"u8.ToArray(),
        });
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The reason / return codes of the next SUBACK.</summary>
    public static async Task<byte[]> SubscribeAsync(RawMqttConnection connection, string filter, ProtocolVersion version = ProtocolVersion.V311, ushort packetId = 1, QualityOfService qos = QualityOfService.AtLeastOnce)
    {
        await connection.SendAsync(Support.Packets.Subscribe(packetId, filter, qos, version));
        var suback = await connection.ReadPacketAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0x90, suback[0]);

        // 3.1.1: 90 len id id codes...; 5.0: 90 len id id proplen props codes...
        int start = version == ProtocolVersion.V500 ? 5 + suback[4] : 4;
        return suback[start..];
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
