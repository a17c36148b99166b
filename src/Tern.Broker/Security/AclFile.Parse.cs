using System.Text;
using Tern.Broker.Security;
using Tern.Protocol;
using Tern.Protocol.Topics;

namespace Tern.Broker;

public sealed partial class AclFile
{
    private enum LineKind
    {
        Skip,
        User,
        Topic,
        Pattern,
    }

    private static ParsedLine ParseLine(string line, int number, string source)
    {
        if (line.Length == 0)
        {
            return default;
        }

        if (line.All(SecurityFileReader.IsBlank))
        {
            throw new SecurityConfigurationException(source, number, "a line of only whitespace (a blank line must be empty)");
        }

        string text = line.TrimStart(' ', '\t');
        if (text[0] == '#')
        {
            return default;
        }

        if (SecurityFileReader.IsBlank(line[^1]))
        {
            throw new SecurityConfigurationException(source, number, "whitespace at the end of the line");
        }

        if (text.Any(c => char.IsControl(c) && c != '\t'))
        {
            throw new SecurityConfigurationException(source, number, "a control character in the line");
        }

        var (keyword, rest) = SplitWord(text);
        return keyword switch
        {
            "user" => ParseUser(rest, number, source),
            "topic" => new ParsedLine(LineKind.Topic, null, ParseRule(rest, isPattern: false, number, source)),
            "pattern" => new ParsedLine(LineKind.Pattern, null, ParseRule(rest, isPattern: true, number, source)),
            _ => throw new SecurityConfigurationException(source, number, $"unknown keyword '{keyword}' (expected user, topic or pattern)"),
        };
    }

    private static ParsedLine ParseUser(string rest, int number, string source)
    {
        if (rest.Length == 0)
        {
            throw new SecurityConfigurationException(source, number, "'user' without a user name");
        }

        if (rest.Contains('\t', StringComparison.Ordinal))
        {
            throw new SecurityConfigurationException(source, number, "a tab in a user name");
        }

        return new ParsedLine(LineKind.User, rest, null);
    }

    private static AclRule ParseRule(string rest, bool isPattern, int number, string source)
    {
        string keyword = isPattern ? "pattern" : "topic";
        var (first, afterFirst) = SplitWord(rest);
        AclAccess access;
        string filter;
        switch (first)
        {
            case "read":
                access = AclAccess.Read;
                filter = afterFirst;
                break;
            case "write":
                access = AclAccess.Write;
                filter = afterFirst;
                break;
            case "readwrite":
                access = AclAccess.ReadWrite;
                filter = afterFirst;
                break;
            case "deny":
                access = AclAccess.Deny;
                filter = afterFirst;
                break;
            default:
                if (rest.Any(SecurityFileReader.IsBlank))
                {
                    throw new SecurityConfigurationException(source, number, $"'{first}' is not read, write, readwrite or deny (a topic filter containing a space needs its access written first: {keyword} readwrite a b)");
                }

                access = AclAccess.ReadWrite;
                filter = rest;
                break;
        }

        if (filter.Length == 0)
        {
            throw new SecurityConfigurationException(source, number, $"'{keyword}' without a topic filter");
        }

        var bytes = Encoding.UTF8.GetBytes(filter);
        var violation = TopicFilter.Validate(bytes, ProtocolVersion.V311);
        if (!violation.IsNone)
        {
            throw new SecurityConfigurationException(source, number, $"'{filter}' is not a valid topic filter: {violation.Description}");
        }

        if (filter.StartsWith("$share/", StringComparison.Ordinal))
        {
            throw new SecurityConfigurationException(source, number, $"'{filter}': rules apply to the topic filter of a shared subscription, without $share/<ShareName>/");
        }

        CheckSubstitutions(bytes, isPattern, filter, number, source);
        return new AclRule(access, bytes, isPattern, number);
    }

    // %u and %c must be whole levels of a pattern (Mosquitto documents the same), and mean nothing in a topic rule:
    // anything else with '%' is a typo that would silently grant or deny the wrong topic, so it is refused.
    private static void CheckSubstitutions(byte[] filter, bool isPattern, string text, int number, string source)
    {
        foreach (var level in TopicLevels.Of(filter))
        {
            if (level.IndexOf((byte)'%') < 0)
            {
                continue;
            }

            bool substitution = level.SequenceEqual("%u"u8) || level.SequenceEqual("%c"u8);
            if (!isPattern)
            {
                throw new SecurityConfigurationException(source, number, $"'{text}': '%' in a topic rule (%u and %c are substituted only in pattern rules)");
            }

            if (!substitution)
            {
                throw new SecurityConfigurationException(source, number, $"'{text}': in a pattern, '%' may appear only as a whole level %u or %c");
            }
        }
    }

    // The first word and what follows the blanks after it.
    private static (string Word, string Remainder) SplitWord(string text)
    {
        int end = 0;
        while (end < text.Length && !SecurityFileReader.IsBlank(text[end]))
        {
            end++;
        }

        int rest = end;
        while (rest < text.Length && SecurityFileReader.IsBlank(text[rest]))
        {
            rest++;
        }

        return (text[..end], text[rest..]);
    }

    private readonly record struct ParsedLine(LineKind Kind, string? UserName, AclRule? Rule);
}
