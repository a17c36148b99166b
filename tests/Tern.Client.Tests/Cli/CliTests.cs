using System.Buffers;
using System.Text.Json;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests.Cli;

/// <summary><c>tern pub</c> and <c>tern sub</c> as processes: output, exit codes, one-line errors, bad arguments.</summary>
public sealed class CliTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Sub_prints_topic_and_payload_with_v_and_exits_after_C_messages(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("cli");
        string v = version == ProtocolVersion.V500 ? "5" : "311";
        var retained = await TernCli.RunAsync(null, "pub", "-h", "127.0.0.1", "-p", Port(server), "-t", topic, "-m", "first", "-r", "-q", "1", "-V", v);
        Assert.True(retained.ExitCode == 0, retained.Transcript);

        await using var sub = TernCli.Start("sub", "-h", "127.0.0.1", "-p", Port(server), "-t", topic, "-t", topic + "/other", "-v", "-C", "2", "-q", "1", "-V", v);
        await sub.ExpectLineAsync($"{topic} first", Timeouts.Process);
        var second = await TernCli.RunAsync(null, "pub", "-h", "127.0.0.1", "-p", Port(server), "-t", topic + "/other", "-m", "second", "-q", "2", "-V", v);
        Assert.True(second.ExitCode == 0, second.Transcript);
        await sub.ExpectLineAsync($"{topic}/other second", Timeouts.Process);
        Assert.Equal(0, await sub.WaitForExitAsync(Timeouts.Process));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Pub_l_sends_each_line_and_sub_json_prints_one_object_per_message(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("lines");
        await using var client = await ConnectAsync(Options(server));
        await using var sub = TernCli.Start("sub", "-h", "127.0.0.1", "-p", Port(server), "-t", topic, "--json", "-C", "3", "-q", "1");

        // The subscription is in place once a retained marker comes back; then the lines follow.
        await client.PublishAsync(topic, "ready", QualityOfService.AtLeastOnce, retain: true).WaitAsync(Timeouts.Event);
        Assert.Equal("ready", ParsePayload(await sub.ReadLineAsync(Timeouts.Process)));

        var pub = await TernCli.RunAsync("alpha\n\nbeta\n", "pub", "-h", "127.0.0.1", "-p", Port(server), "-t", topic, "-l", "-q", "1");
        Assert.True(pub.ExitCode == 0, pub.Transcript);
        Assert.Equal("alpha", ParsePayload(await sub.ReadLineAsync(Timeouts.Process)));
        Assert.Equal("beta", ParsePayload(await sub.ReadLineAsync(Timeouts.Process)));
        Assert.Equal(0, await sub.WaitForExitAsync(Timeouts.Process));
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Sub_c_keeps_its_session_so_a_message_published_while_away_is_printed_on_the_next_run_MQTT_3_1_2_4(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("inbox"), id = Unique.ClientId("inbox");
        string v = version == ProtocolVersion.V500 ? "5" : "311";
        var first = await TernCli.RunAsync(null, "sub", "-h", "127.0.0.1", "-p", Port(server), "-V", v, "-c", "-i", id, "-t", topic, "-q", "1", "-W", "1");
        Assert.True(first.ExitCode == 27, first.Transcript);

        var pub = await TernCli.RunAsync(null, "pub", "-h", "127.0.0.1", "-p", Port(server), "-V", v, "-t", topic, "-q", "1", "-m", "while you were away");
        Assert.True(pub.ExitCode == 0, pub.Transcript);

        var second = await TernCli.RunAsync(null, "sub", "-h", "127.0.0.1", "-p", Port(server), "-V", v, "-c", "-i", id, "-t", topic, "-q", "1", "-C", "1");
        Assert.True(second.ExitCode == 0, second.Transcript);
        Assert.Equal(["while you were away"], second.Output);
    }

    [Fact]
    public async Task Pub_f_sends_a_file_and_s_sends_standard_input_as_one_message()
    {
        await using var server = await StartBrokerAsync("tern");
        string topic = Unique.Topic("file");
        await using var client = await ConnectAsync(Options(server));
        await using var subscription = await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, [0, 1, 2, 255]);
            var fromFile = await TernCli.RunAsync(null, "pub", "-p", Port(server), "-h", "127.0.0.1", "-t", topic, "-f", file);
            Assert.True(fromFile.ExitCode == 0, fromFile.Transcript);
            Assert.Equal(new byte[] { 0, 1, 2, 255 }, (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).Payload.ToArray());
        }
        finally
        {
            File.Delete(file);
        }

        var fromStdin = await TernCli.RunAsync("line one\nline two\n", "pub", "-p", Port(server), "-h", "127.0.0.1", "-t", topic, "-s");
        Assert.True(fromStdin.ExitCode == 0, fromStdin.Transcript);
        Assert.Equal("line one\nline two\n", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());

        var empty = await TernCli.RunAsync(null, "pub", "-p", Port(server), "-h", "127.0.0.1", "-t", topic, "-n");
        Assert.True(empty.ExitCode == 0, empty.Transcript);
        Assert.True((await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).Payload.IsEmpty);
    }

    [Fact]
    public async Task A_closed_port_is_one_line_cannot_connect_connection_refused_and_exit_1()
    {
        int port = FreePort.OnLoopback();
        var result = await TernCli.RunAsync(null, "pub", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "x", "-m", "y");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tern pub: cannot connect to 127.0.0.1:{port}: connection refused", result.ErrorOutput);

        var sub = await TernCli.RunAsync(null, "sub", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "x");
        Assert.Equal(1, sub.ExitCode);
        Assert.Equal($"tern sub: cannot connect to 127.0.0.1:{port}: connection refused", sub.ErrorOutput);
    }

    [Theory]
    [InlineData("311", ProtocolVersion.V311)]
    [InlineData("5", ProtocolVersion.V500)]
    public async Task A_refused_connect_is_one_line_not_authorized_0x87_and_exit_1(string flag, ProtocolVersion version)
    {
        await using var broker = new FakeBroker();
        var running = TernCli.RunAsync(null, "sub", "-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "x", "-V", flag, "-u", "who", "-P", "bad");
        await using var session = await broker.AcceptAsync(Timeouts.Process);
        await session.ExpectAsync(PacketType.Connect, Timeouts.Event);
        var writer = new ArrayBufferWriter<byte>();
        ConnAckPacket.Write(writer, new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized }, version);
        await session.SendAsync(writer.WrittenSpan.ToArray());

        var result = await running;
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("tern sub: not authorized (0x87)", result.ErrorOutput);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Pub_and_sub_with_u_and_P_reach_a_broker_that_requires_a_password_MQTT_3_1_3_5(string broker, ProtocolVersion version)
    {
        await using var protectedBroker = await PasswordProtectedBroker.StartAsync(broker, new BrokerSettings { LogSink = Output.WriteLine });
        var server = protectedBroker.Broker;
        string v = version == ProtocolVersion.V500 ? "5" : "311";
        string[] credentials = ["-u", PasswordProtectedBroker.User, "-P", PasswordProtectedBroker.Password];
        string topic = Unique.Topic("password");
        await using var sub = TernCli.Start(["sub", "-h", "127.0.0.1", "-p", Port(server), "-V", v, .. credentials, "-t", topic, "-q", "1", "-C", "2", "-v"]);

        // The subscription is in place once a retained marker comes back; then the message follows.
        var marker = await TernCli.RunAsync(null, ["pub", "-h", "127.0.0.1", "-p", Port(server), "-V", v, .. credentials, "-t", topic, "-m", "ready", "-r", "-q", "1"]);
        Assert.True(marker.ExitCode == 0, marker.Transcript);
        await sub.ExpectLineAsync($"{topic} ready", Timeouts.Process);
        var pub = await TernCli.RunAsync(null, ["pub", "-h", "127.0.0.1", "-p", Port(server), "-V", v, .. credentials, "-t", topic, "-m", "hello", "-q", "1"]);
        Assert.True(pub.ExitCode == 0, pub.Transcript);
        await sub.ExpectLineAsync($"{topic} hello", Timeouts.Process);
        Assert.Equal(0, await sub.WaitForExitAsync(Timeouts.Process));
    }

    /// <summary>
    /// Rows of (broker, -V, command, password or none, the line expected). A wrong password: Mosquitto answers
    /// CONNACK 5 / 0x87 Not authorized, Tern 4 / 0x86 Bad user name or password (docs/cli.md shows a 3.1.1 return code
    /// as its 5.0 reason code). No credentials where anonymous access is off: 5 / 0x87 from both. Tern's 5.0 CONNACK
    /// carries a reason string, which the CLI prints after the code.
    /// </summary>
    public static TheoryData<string, string, string, string?, string> RefusedCredentials => new()
    {
        { "mosquitto", "311", "pub", "wrong", "not authorized (0x87)" },
        { "mosquitto", "311", "sub", null, "not authorized (0x87)" },
        { "mosquitto", "5", "pub", null, "not authorized (0x87)" },
        { "mosquitto", "5", "sub", "wrong", "not authorized (0x87)" },
        { "tern", "311", "pub", "wrong", "bad user name or password (0x86)" },
        { "tern", "311", "sub", "wrong", "bad user name or password (0x86)" },
        { "tern", "5", "pub", "wrong", "bad user name or password (0x86): bad user name or password" },
        { "tern", "5", "sub", "wrong", "bad user name or password (0x86): bad user name or password" },
        { "tern", "311", "sub", null, "not authorized (0x87)" },
        { "tern", "5", "pub", null, "not authorized (0x87): anonymous clients are not allowed on listener local" },
    };

    [Theory]
    [MemberData(nameof(RefusedCredentials))]
    public async Task Refused_credentials_are_one_line_with_the_CONNACK_reason_and_exit_1_MQTT_3_2_2_5(string broker, string v, string command, string? password, string expected)
    {
        await using var protectedBroker = await PasswordProtectedBroker.StartAsync(broker, new BrokerSettings { LogSink = Output.WriteLine });
        var server = protectedBroker.Broker;
        string[] credentials = password is null ? [] : ["-u", PasswordProtectedBroker.User, "-P", password];
        string[] source = command == "pub" ? ["-m", "x"] : [];
        var result = await TernCli.RunAsync(null, [command, "-h", "127.0.0.1", "-p", Port(server), "-V", v, "-t", "x", .. credentials, .. source]);
        Assert.True(result.ExitCode == 1, result.Transcript);
        Assert.Equal($"tern {command}: {expected}", result.ErrorOutput);
    }

    [Fact]
    public async Task Sub_W_gives_up_after_the_timeout_with_exit_code_27_as_mosquitto_sub()
    {
        await using var server = await StartBrokerAsync("tern");
        var result = await TernCli.RunAsync(null, "sub", "-h", "127.0.0.1", "-p", Port(server), "-t", Unique.Topic("quiet"), "-W", "1");
        Assert.Equal(27, result.ExitCode);
        Assert.Equal("tern sub: timed out after 1 s", result.ErrorOutput);
    }

    [Theory]
    [InlineData("pub -t x", "tern pub: give exactly one of -m MESSAGE, -f FILE, -l, -s or -n.")]
    [InlineData("pub -t x -m a -n", "tern pub: give exactly one of -m MESSAGE, -f FILE, -l, -s or -n.")]
    [InlineData("pub -t x -m a -q 3", "tern pub: QoS must be 0, 1 or 2, not 3.")]
    [InlineData("sub -t x -V 4.0", "tern sub: unknown protocol version '4.0' (311 or 5).")]
    [InlineData("sub -t x -c", "tern sub: -c (persistent session) needs a client id (-i).")]
    [InlineData("pub -t x -m a -P secret", "tern pub: a password (-P) needs a user name (-u) in MQTT 3.1.1.")]
    public async Task Bad_arguments_are_one_line_and_exit_2(string arguments, string expected)
    {
        var result = await TernCli.RunAsync(null, arguments.Split(' '));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.ErrorOutput);
    }

    [Fact]
    public async Task Help_is_question_mark_because_h_is_the_host()
    {
        var result = await TernCli.RunAsync(null, "sub", "-?");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Output, line => line.Contains("-h, --host", StringComparison.Ordinal));
    }

    private static string Port(IBrokerUnderTest broker) => broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ParsePayload(string line)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("payload").GetString()!;
    }
}
