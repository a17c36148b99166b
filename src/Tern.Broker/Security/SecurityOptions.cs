namespace Tern.Broker;

/// <summary>
/// Where the broker's security files are and whether anonymous clients may connect. Bound from configuration
/// (proposed section <c>Security</c> of tern.json) and turned into an authenticator and an authorizer by
/// <see cref="SecurityConfiguration.Load(SecurityOptions)"/>.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>The password file written by <c>tern passwd</c>; null for none (then only anonymous clients can connect, if allowed).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The ACL file; null for none, which allows every connected client every topic (as Mosquitto without <c>acl_file</c>).</summary>
    public string? AclFile { get; set; }

    /// <summary>
    /// Whether clients without verified credentials may connect. Default false: a broker that can be reached from the
    /// network refuses anonymous clients unless told otherwise (RELIABILITY E1). <c>tern broker</c> without any
    /// configuration listens on the loopback address only and sets this to true there.
    /// </summary>
    public bool AllowAnonymous { get; set; }
}
