using System.Collections.Frozen;
using Tern.Broker.Security;

namespace Tern.Broker;

/// <summary>
/// An immutable snapshot of an ACL file in the spirit of Mosquitto's <c>acl_file</c>: <c>topic</c> rules for anonymous
/// clients, <c>user NAME</c> sections with rules for one user, and <c>pattern</c> rules with <c>%u</c> / <c>%c</c>
/// for every client. Evaluated by <see cref="AclAuthorizer"/>; the syntax and semantics are in docs/security.md.
/// </summary>
/// <remarks>
/// <para>
/// Default deny (CVE-2018-12550): an action is allowed only when a rule grants it and no <c>deny</c> rule matches it;
/// an empty file, or one of comments only, denies everything. A malformed line makes the whole file unusable with a
/// message naming the file and line.
/// </para>
/// <para>Thread safety: immutable after construction; evaluation may run concurrently.</para>
/// </remarks>
public sealed partial class AclFile
{
    private static readonly AclRule[] NoRules = [];

    private readonly AclRule[] _anonymousRules;
    private readonly FrozenDictionary<string, AclRule[]> _userRules;
    private readonly AclRule[] _patterns;

    private AclFile(string source, AclRule[] anonymousRules, FrozenDictionary<string, AclRule[]> userRules, AclRule[] patterns)
    {
        Source = source;
        _anonymousRules = anonymousRules;
        _userRules = userRules;
        _patterns = patterns;
    }

    /// <summary>Where the rules came from: the path given to <see cref="Load"/>, or the source name given to <see cref="Parse"/>.</summary>
    public string Source { get; }

    /// <summary>The number of <c>topic</c> and <c>pattern</c> rules; 0 means every action is denied.</summary>
    public int RuleCount => _anonymousRules.Length + _patterns.Length + _userRules.Values.Sum(r => r.Length);

    /// <summary>The users that have a <c>user</c> section, in no particular order.</summary>
    public IEnumerable<string> UserNames => _userRules.Keys;

    /// <summary>Reads and parses an ACL file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="SecurityConfigurationException">It cannot be read, is not UTF-8, or a line does not parse; the message names the file and line.</exception>
    public static AclFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(SecurityFileReader.ReadText(path, "ACL file"), path);
    }

    /// <summary>Parses the text of an ACL file.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="source">The name used in error messages, usually the path.</param>
    /// <exception cref="SecurityConfigurationException">A line does not parse; the message names <paramref name="source"/> and the line.</exception>
    public static AclFile Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var anonymous = new List<AclRule>();
        var users = new Dictionary<string, List<AclRule>>(StringComparer.Ordinal);
        var patterns = new List<AclRule>();
        List<AclRule> current = anonymous;
        foreach (var (number, line) in SecurityFileReader.Lines(text))
        {
            var parsed = ParseLine(line, number, source);
            switch (parsed.Kind)
            {
                case LineKind.User:
                    if (!users.TryGetValue(parsed.UserName!, out var section))
                    {
                        section = [];
                        users.Add(parsed.UserName!, section);
                    }

                    current = section;
                    break;
                case LineKind.Topic:
                    current.Add(parsed.Rule!);
                    break;
                case LineKind.Pattern:
                    patterns.Add(parsed.Rule!);
                    break;
            }
        }

        return new AclFile(
            source,
            [.. anonymous],
            users.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal),
            [.. patterns]);
    }

    /// <summary>The <c>topic</c> rules that apply to a client: its user section's, or the anonymous ones.</summary>
    private AclRule[] TopicRulesFor(MqttClientContext client) =>
        client.UserName is null ? _anonymousRules : _userRules.GetValueOrDefault(client.UserName, NoRules);
}
