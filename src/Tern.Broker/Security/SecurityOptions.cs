namespace Tern.Broker;

/// <summary>
/// Where the broker's security files are and who may connect without credentials. Bound from the <c>Security</c>
/// section of tern.json and applied to every connection (docs/security.md).
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// The password file written by <c>tern passwd</c>; null for none. With one, a client that sends a user name must
    /// send that user's password (CONNACK 0x86 / return code 4 otherwise). Without one, nobody can log in with a user
    /// name: a client's user name is then not an identity, and only anonymous access is possible, where allowed.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>The ACL file; null for none, which allows every connected client every topic (as Mosquitto without <c>acl_file</c>).</summary>
    public string? AclFile { get; set; }

    /// <summary>
    /// Whether clients without verified credentials may connect, on listeners that do not say otherwise
    /// (<see cref="MqttListenerOptions.AllowAnonymous"/>). Null (the default) decides per listener: allowed on a listener
    /// bound to a loopback address (127.0.0.1, ::1, localhost), refused on any other. So the start without
    /// configuration (one listener on 127.0.0.1) admits anonymous clients, like Mosquitto 2, and a listener reachable
    /// from the network refuses them unless told otherwise (RELIABILITY E1).
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>
    /// What a 3.1 / 3.1.1 client gets for a PUBLISH the ACL denies: false (the default) acknowledges it as usual and
    /// drops it, as Mosquitto (those versions have no way to say no); true closes the connection instead. MQTT 5.0
    /// clients always get PUBACK / PUBREC 0x87 for QoS 1 / 2; a denied QoS 0 message is dropped.
    /// </summary>
    public bool DisconnectOnDeniedPublish { get; set; }

    /// <summary>
    /// Failed password authentications from one address within <see cref="AuthFailureBanDuration"/> that get the
    /// address banned for that duration (5.0 CONNACK 0x8A Banned, 3.1.1 0x05). Default 10; 0 turns it off.
    /// </summary>
    public int MaxAuthFailuresPerAddress { get; set; } = 10;

    /// <summary>The window in which failures are counted and the length of a ban. Default 60 s.</summary>
    public TimeSpan AuthFailureBanDuration { get; set; } = TimeSpan.FromSeconds(60);
}
