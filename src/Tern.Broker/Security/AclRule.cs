namespace Tern.Broker.Security;

/// <summary>What an ACL rule grants or takes away.</summary>
[Flags]
internal enum AclAccess
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Subscribe and receive.</summary>
    Read = 1,

    /// <summary>Publish (including wills and retained messages).</summary>
    Write = 2,

    /// <summary>Both.</summary>
    ReadWrite = Read | Write,

    /// <summary>Neither, whatever another rule grants.</summary>
    Deny = 4,
}

/// <summary>One <c>topic</c> or <c>pattern</c> line of an ACL file.</summary>
internal sealed class AclRule
{
    public AclRule(AclAccess access, byte[] filter, bool isPattern, int line)
    {
        Access = access;
        Filter = filter;
        IsPattern = isPattern;
        Line = line;
        if (isPattern)
        {
            bool first = true;
            foreach (var level in Tern.Protocol.Topics.TopicLevels.Of(filter))
            {
                if (level.SequenceEqual("%u"u8))
                {
                    UsesUserName = true;
                    UserNameFirst |= first;
                }
                else if (level.SequenceEqual("%c"u8))
                {
                    UsesClientId = true;
                    ClientIdFirst |= first;
                }

                first = false;
            }
        }
    }

    public AclAccess Access { get; }

    /// <summary>The Topic Filter as UTF-8; for a pattern, with <c>%u</c> and <c>%c</c> levels still in it.</summary>
    public byte[] Filter { get; }

    public bool IsPattern { get; }

    /// <summary>The 1-based line of the file.</summary>
    public int Line { get; }

    /// <summary>A pattern with a <c>%u</c> level.</summary>
    public bool UsesUserName { get; }

    /// <summary>A pattern with a <c>%c</c> level.</summary>
    public bool UsesClientId { get; }

    /// <summary><c>%u</c> is the first level, where a value starting with <c>$</c> would reach <c>$SYS</c>.</summary>
    public bool UserNameFirst { get; }

    /// <summary><c>%c</c> is the first level.</summary>
    public bool ClientIdFirst { get; }

    /// <summary>Whether the rule needs substitution before it can be compared.</summary>
    public bool HasSubstitution => UsesUserName || UsesClientId;
}
