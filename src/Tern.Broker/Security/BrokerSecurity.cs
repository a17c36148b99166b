using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;

namespace Tern.Broker.Security;

/// <summary>
/// The security of one broker: which authenticator checks CONNECT, which authorizer checks topics, who may connect
/// anonymously on which listener, and the reload of the password and ACL files.
/// </summary>
/// <remarks>
/// <para>
/// Authenticator, in order: an <see cref="IMqttAuthenticator"/> registered in the services by an embedder; else the
/// password file of <see cref="SecurityOptions.PasswordFile"/>; else none (nobody's credentials can be verified).
/// Authorizer: an <see cref="IMqttAuthorizer"/> from the services; else the ACL file; else none, and then the broker
/// makes no authorization call at all.
/// </para>
/// <para>
/// Fail closed: a missing or malformed file throws <see cref="SecurityConfigurationException"/> from the constructor,
/// so the broker does not start. Thread-safe.
/// </para>
/// </remarks>
internal sealed class BrokerSecurity : IReloadableComponent, IDisposable
{
    private readonly SecurityConfiguration _files;
    private readonly SecurityOptions _options;
    private readonly ILogger _logger;

    // The last bind address asked about and whether it is loopback: AllowsAnonymous runs on every CONNECT without
    // credentials, and parsing the address each time was 0.6 % of a connect storm's samples. Keyed by the string's
    // reference (a listener's Bind is the same string for every connect; strings are immutable, so a hit is exact).
    private LoopbackAnswer? _lastBind;

    public BrokerSecurity(
        IOptions<BrokerOptions> options,
        IEnumerable<IMqttAuthenticator> authenticators,
        IEnumerable<IMqttAuthorizer> authorizers,
        ILoggerFactory loggerFactory,
        BrokerMetrics metrics)
    {
        _options = options.Value.Security ?? new SecurityOptions();
        _logger = loggerFactory.CreateLogger("Tern.Broker.Security");
        Metrics = metrics;
        _files = SecurityConfiguration.Load(_options, admitAnonymous: true);
        Authenticator = authenticators.LastOrDefault() ?? (_options.PasswordFile is not null ? _files.Authenticator : null);
        var authorizer = authorizers.LastOrDefault() ?? _files.Authorizer;
        Authorization = authorizer is null ? null : new TopicAuthorization(authorizer, _logger, metrics);
        foreach (string warning in _files.Warnings)
        {
            BrokerLog.SecurityWarning(_logger, warning);
        }

        BrokerLog.SecurityConfigured(
            _logger,
            authenticators.Any() ? "custom authenticator" : _options.PasswordFile is { } path ? $"password file {path} ({_files.Passwords!.Count} users)" : "no password file",
            authorizers.Any() ? "custom authorizer" : _options.AclFile ?? "none",
            _options.AllowAnonymous switch { true => "allowed", false => "refused", null => "allowed on loopback listeners only" });
    }

    /// <summary>The authenticator of CONNECT; null when nobody's credentials can be verified.</summary>
    public IMqttAuthenticator? Authenticator { get; }

    /// <summary>Topic checks; null when there is no authorizer, so PUBLISH, SUBSCRIBE and delivery pay one null check.</summary>
    public TopicAuthorization? Authorization { get; }

    /// <summary>The password file in force (it also backs SCRAM); null when none is configured.</summary>
    public PasswordFile? Passwords => _files.Passwords;

    /// <summary>Whether a denied PUBLISH closes a 3.1 / 3.1.1 connection.</summary>
    public bool DisconnectOnDeniedPublish => _options.DisconnectOnDeniedPublish;

    /// <summary>The counters.</summary>
    public BrokerMetrics Metrics { get; }

    /// <summary>The logger of security events.</summary>
    public ILogger Logger => _logger;

    /// <inheritdoc/>
    public string Name => (_options.PasswordFile, _options.AclFile) switch
    {
        (not null, not null) => "password file, acl",
        (not null, null) => "password file",
        (null, not null) => "acl",
        _ => "security",
    };

    /// <summary>
    /// Whether clients without verified credentials may connect through <paramref name="listener"/>: the listener's own
    /// setting, else <see cref="SecurityOptions.AllowAnonymous"/>, else whether the listener binds a loopback address.
    /// </summary>
    public bool AllowsAnonymous(MqttListenerOptions listener) =>
        listener.AllowAnonymous ?? _options.AllowAnonymous ?? IsLoopbackCached(listener.Bind);

    /// <inheritdoc/>
    public ReloadPreparation Prepare()
    {
        var preparation = _files.PrepareReload();
        if (preparation.Commit is not { } commit)
        {
            return preparation;
        }

        return ReloadPreparation.Ready(() =>
        {
            commit();
            foreach (string warning in _files.CheckFiles())
            {
                BrokerLog.SecurityWarning(_logger, warning);
            }
        });
    }

    /// <inheritdoc/>
    public void Dispose() => _files.Dispose();

    private bool IsLoopbackCached(string bind)
    {
        var last = Volatile.Read(ref _lastBind);
        if (last is not null && ReferenceEquals(last.Bind, bind))
        {
            return last.IsLoopback;
        }

        bool isLoopback = IsLoopback(bind);
        Volatile.Write(ref _lastBind, new LoopbackAnswer(bind, isLoopback));
        return isLoopback;
    }

    private static bool IsLoopback(string bind) =>
        bind == "localhost" || (IPAddress.TryParse(bind, out var address) && IPAddress.IsLoopback(address));

    private sealed record LoopbackAnswer(string Bind, bool IsLoopback);
}
