using System.ComponentModel.DataAnnotations;


namespace Tern.Broker;

/// <summary>
/// The broker's settings. Bound from configuration (<c>tern.json</c>, <c>TERN_</c> environment variables, the command
/// line) and validated at start; every default is the one a broker reachable only from this machine can run with.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>
    /// The TCP listeners opened by <see cref="MqttBroker.StartAsync(BrokerOptions, CancellationToken)"/> and
    /// <c>tern broker</c>. Empty means one listener on 127.0.0.1:1883. An ASP.NET Core application that embeds the
    /// broker declares its own Kestrel listeners with <c>UseTernMqtt()</c> instead.
    /// </summary>
    public List<MqttListenerOptions> Listeners { get; set; } = [];

    /// <summary>The largest packet accepted from a client, fixed header included. Default 1 MiB: ample for telemetry, small enough that a hostile length claim costs nothing.</summary>
    [Range(16, 268_435_460)]
    public int MaxPacketSize { get; set; } = 1024 * 1024;

    /// <summary>How long a new connection may take to send CONNECT before it is closed. Default 10 s, as HiveMQ (slowloris connections cost a socket each).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>QoS 1/2 messages kept per session for an offline client or a full window. Default 1000 (Mosquitto's <c>max_queued_messages</c>).</summary>
    [Range(1, 10_000_000)]
    public int MaxQueuedMessages { get; set; } = 1000;

    /// <summary>What to drop when a session's queue is full. Default <see cref="QueueOverflowPolicy.DropNewest"/>, as Mosquitto.</summary>
    public QueueOverflowPolicy QueueOverflowPolicy { get; set; } = QueueOverflowPolicy.DropNewest;

    /// <summary>QoS 1/2 messages in flight to one client at once. Default 20 (Mosquitto's <c>max_inflight_messages</c>); an MQTT 5.0 client's smaller Receive Maximum wins.</summary>
    [Range(1, 65_535)]
    public int MaxInflightMessages { get; set; } = 20;

    /// <summary>Inbound QoS 2 messages a client may leave awaiting PUBREL; one more closes the connection (CVE-2023-28366 is a leak here). Default 1000.</summary>
    [Range(1, 65_535)]
    public int MaxAwaitingRelease { get; set; } = 1000;

    /// <summary>The longest client identifier accepted from 3.1.1 and 5.0 clients. Default 65,535 (any). MQTT 3.1 clients are held to 23 characters, as that version requires.</summary>
    [Range(23, 65_535)]
    public int MaxClientIdLength { get; set; } = 65_535;

    /// <summary>How often $SYS topics are published. Default 10 s; zero turns $SYS off.</summary>
    public TimeSpan SysInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the heartbeat checks keep alive and connect timeouts. Default 250 ms, which keeps a keep-alive close within 0.25 s of 1.5 × the keep alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long shutdown waits for connections to flush after DISCONNECT 0x8B. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the settings; returns the problems found, empty when they are good.</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.Select(r => r.ErrorMessage ?? "invalid value").ToList();
        foreach (var listener in Listeners)
        {
            if (listener.Port is < 0 or > 65_535)
            {
                problems.Add($"Listener port {listener.Port} is not between 0 and 65535.");
            }

            if (listener.Bind is not ("localhost" or "*") && !System.Net.IPAddress.TryParse(listener.Bind, out _))
            {
                problems.Add($"Listener bind address '{listener.Bind}' is not an IP address.");
            }
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add("ConnectTimeout must be positive.");
        }

        if (SysInterval < TimeSpan.Zero)
        {
            problems.Add("SysInterval must be zero (off) or positive.");
        }

        if (HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval > TimeSpan.FromSeconds(1))
        {
            problems.Add("HeartbeatInterval must be between 1 ms and 1 s.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            problems.Add("ShutdownTimeout must not be negative.");
        }

        return problems;
    }
}
