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

    /// <summary>
    /// Inbound QoS 2 messages a client may leave awaiting PUBREL; one more closes the connection (CVE-2023-28366 is a
    /// leak here). MQTT 5.0 clients are told it as the broker's Receive Maximum, and exceeding it is DISCONNECT 0x93.
    /// Default 1000.
    /// </summary>
    [Range(1, 65_535)]
    public int MaxAwaitingRelease { get; set; } = 1000;

    /// <summary>The longest client identifier accepted from 3.1.1 and 5.0 clients. Default 65,535 (any). MQTT 3.1 clients are held to 23 characters, as that version requires.</summary>
    [Range(23, 65_535)]
    public int MaxClientIdLength { get; set; } = 65_535;

    /// <summary>
    /// Connections open at once, over all listeners; one more is closed as soon as it is accepted, before any MQTT byte
    /// is read. Default 100,000; 0 means no limit (the process's file limit still applies).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>
    /// File descriptors kept free under the process's file limit (<c>ulimit -n</c>, Linux) for everything that is not a
    /// client connection: the runtime, the database, logs, HTTP. Connections beyond the limit minus the descriptors
    /// open at start minus this reserve are closed at accept (event 5012; the budget is logged at start, event 5011),
    /// as at <see cref="MaxConnections"/>: a process that runs out of descriptors can die. Default (null): 64, or 1 %
    /// of the limit if that is more.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int? FileDescriptorReserve { get; set; }

    /// <summary>
    /// New connections per second from one IP address (a token bucket with a burst of one second's worth); more are
    /// closed as soon as they are accepted. Default 0: no limit (clients behind one NAT share an address).
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxConnectionRatePerAddress { get; set; }

    /// <summary>The longest topic name or topic filter, in UTF-8 bytes. Default 65,535 (what the encoding allows).</summary>
    [Range(1, 65_535)]
    public int MaxTopicLength { get; set; } = 65_535;

    /// <summary>The most levels a topic name or filter may have (<c>a/b/c</c> has 3). Default 128, as EMQX.</summary>
    [Range(1, 65_536)]
    public int MaxTopicLevels { get; set; } = 128;

    /// <summary>Subscriptions one session may hold; a SUBSCRIBE beyond it is refused per filter (5.0 0x97, 3.1.1 0x80). Default 10,000; 0 means no limit.</summary>
    [Range(0, int.MaxValue)]
    public int MaxSubscriptionsPerClient { get; set; } = 10_000;

    /// <summary>
    /// Bytes of QoS 1/2 messages (topic, properties and payload) kept per session, next to <see cref="MaxQueuedMessages"/>;
    /// beyond it <see cref="QueueOverflowPolicy"/> drops messages. Default 64 MiB; 0 means no limit.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxQueuedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bytes queued for one connection's writer (a client that reads slowly). QoS 0 messages beyond it are dropped for
    /// that client; QoS 1/2 messages stay in the session, bounded by <see cref="MaxInflightMessages"/>. Default 8 MiB; 0 means no limit.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxOutboundBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// How long a connection's writer may wait for the client to take bytes before the connection is closed (a client
    /// that stopped reading). Default 60 s; zero turns the check off.
    /// </summary>
    public TimeSpan SlowConsumerTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// PUBLISH packets per second one client may send; above it the broker stops reading from that client until its
    /// token bucket (a burst of one second's worth) refills. Default 0: no limit.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxPublishRatePerClient { get; set; }

    /// <summary>PUBLISH bytes per second one client may send, with the same back-pressure as <see cref="MaxPublishRatePerClient"/>. Default 0: no limit.</summary>
    [Range(0, long.MaxValue)]
    public long MaxPublishBytesRatePerClient { get; set; }

    /// <summary>
    /// The managed heap size above which the broker sheds load: new connections are closed at accept, QoS 1/2 PUBLISHes
    /// are refused (5.0 0x97, 3.1.1 close) and QoS 0 messages to clients with a backlog are dropped. Null (the default)
    /// means 75% of the memory the GC may use (<c>GC.GetGCMemoryInfo().TotalAvailableMemoryBytes</c>, which honours
    /// container limits); 0 turns the guard off.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long? MemoryLimitBytes { get; set; }

    /// <summary>How often $SYS topics are published. Default 10 s; zero turns $SYS off.</summary>
    public TimeSpan SysInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the heartbeat checks keep alive and connect timeouts. Default 250 ms, which keeps a keep-alive close within 0.25 s of 1.5 × the keep alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long shutdown waits for connections to flush after DISCONNECT 0x8B. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether clients may publish retained messages. Default true. When false, CONNACK says Retain Available 0 and a retained PUBLISH is refused with 0x9A (5.0) or closes the connection (3.1.1).</summary>
    public bool RetainAvailable { get; set; } = true;

    /// <summary>Whether Topic Filters may contain wildcards. Default true. When false, a wildcard filter gets SUBACK 0xA2 (5.0) or 0x80 (3.1.1).</summary>
    public bool WildcardSubscriptionAvailable { get; set; } = true;

    /// <summary>Whether MQTT 5.0 Subscription Identifiers are accepted and delivered. Default true. When false, a SUBSCRIBE carrying one gets DISCONNECT 0xA1.</summary>
    public bool SubscriptionIdentifiersAvailable { get; set; } = true;

    /// <summary>Whether <c>$share/{group}/{filter}</c> subscriptions are shared subscriptions. Default true. When false, they get SUBACK 0x9E (5.0) or 0x80 (3.1.1).</summary>
    public bool SharedSubscriptionsAvailable { get; set; } = true;

    /// <summary>How a shared subscription picks the member that receives a message. Default round robin.</summary>
    public SharedSubscriptionStrategy SharedSubscriptionStrategy { get; set; } = SharedSubscriptionStrategy.RoundRobin;

    /// <summary>The highest QoS the broker accepts and grants: 0, 1 or 2. Default 2. A PUBLISH above it gets DISCONNECT 0x9B (5.0); subscriptions are granted at most this.</summary>
    [Range(0, 2)]
    public int MaximumQoS { get; set; } = 2;

    /// <summary>
    /// The longest keep alive a client may ask for, in seconds; 0 means no limit (the default). An MQTT 5.0 client asking
    /// for more (or for 0) is told this value as Server Keep Alive; a 3.1 / 3.1.1 client asking for more is refused
    /// with CONNACK 0x02, as Mosquitto does.
    /// </summary>
    [Range(0, 65_535)]
    public int MaxKeepAlive { get; set; }

    /// <summary>How many topic aliases an MQTT 5.0 client may use towards the broker (Topic Alias Maximum in CONNACK). Default 10; 0 turns inbound aliases off.</summary>
    [Range(0, 65_535)]
    public int TopicAliasMaximum { get; set; } = 10;

    /// <summary>Whether the broker assigns topic aliases on messages it sends to MQTT 5.0 clients that allow them. Default false (every PUBLISH carries its topic).</summary>
    public bool OutboundTopicAliases { get; set; }

    /// <summary>The longest MQTT 5.0 Session Expiry Interval granted, in seconds; a longer request is capped and the cap returned in CONNACK. Default 4294967295 (no cap: 0xFFFFFFFF never expires).</summary>
    public uint MaxSessionExpiryInterval { get; set; } = uint.MaxValue;

    /// <summary>
    /// How long an MQTT 3.1 / 3.1.1 persistent session (CleanSession 0) outlives its connection, as Mosquitto's
    /// <c>persistent_client_expiration</c>. Default null: such sessions never expire (the 3.1.1 rule). Whole seconds.
    /// </summary>
    public TimeSpan? PersistentClientExpiration { get; set; }

    /// <summary>Whether a PUBLISH whose Payload Format Indicator says UTF-8 is checked to be UTF-8 (5.0: 0x99 Payload format invalid). Default true, as Mosquitto 2.</summary>
    public bool ValidatePayloadFormat { get; set; } = true;

    /// <summary>
    /// The Response Information returned to MQTT 5.0 clients that ask for it (Request Response Information 1): a topic
    /// prefix; the client's id is appended. Default null: not offered.
    /// </summary>
    public string? ResponseInformation { get; set; }

    /// <summary>
    /// When set, new MQTT 5.0 clients are redirected here (CONNACK 0x9C Use another server, or 0x9D Server moved when
    /// <see cref="RedirectPermanently"/>) with this Server Reference; 3.1 / 3.1.1 clients get 0x03 Server unavailable.
    /// Lets an operator move clients off a broker. Default null.
    /// </summary>
    public string? ServerReference { get; set; }

    /// <summary>With <see cref="ServerReference"/>: the move is permanent (0x9D) rather than temporary (0x9C). Default false.</summary>
    public bool RedirectPermanently { get; set; }

    /// <summary>
    /// Authentication and authorization: the password file checked on CONNECT (and backing SCRAM), the ACL file checked
    /// on PUBLISH, SUBSCRIBE and delivery, and who may connect anonymously (docs/security.md).
    /// </summary>
    public SecurityOptions Security { get; set; } = new();

    /// <summary>The HTTP listener for metrics, health checks and the admin API (see docs/operations.md).</summary>
    public BrokerHttpOptions Http { get; set; } = new();

    /// <summary>Durable state: in memory (the default here) or in SQLite (the default of <c>tern broker</c>); see docs/persistence.md.</summary>
    public PersistenceOptions Persistence { get; set; } = new();

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

        problems.AddRange(Transport.ListenerValidation.Check(Listeners));

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

        if (SlowConsumerTimeout < TimeSpan.Zero)
        {
            problems.Add("SlowConsumerTimeout must be zero (off) or positive.");
        }

        foreach (var listener in Listeners.Where(l => l.MaxConnections < 0))
        {
            problems.Add($"Listener {listener.DisplayName}: MaxConnections must be zero (no limit) or positive.");
        }

        if (PersistentClientExpiration is { } expiration && (expiration < TimeSpan.FromSeconds(1) || expiration.TotalSeconds >= uint.MaxValue))
        {
            problems.Add("PersistentClientExpiration must be between 1 second and 136 years, or unset (never).");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            problems.Add("ShutdownTimeout must not be negative.");
        }

        problems.AddRange(Http.Validate(Security));

        problems.AddRange(Persistence.Validate());
        return problems;
    }
}
