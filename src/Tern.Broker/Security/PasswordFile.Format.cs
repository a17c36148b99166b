using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using Tern.Broker.Security;

namespace Tern.Broker;

public sealed partial class PasswordFile
{
    /// <summary>The length of the random salt of a new entry, in bytes (16, as NIST SP 800-132's minimum of 128 bits).</summary>
    public const int SaltLength = 16;

    // $tern-pbkdf2$<salt>$sha512:<iterations>:<StoredKey>:<ServerKey>$sha256:<iterations>:<StoredKey>:<ServerKey>
    private const string Scheme = "tern-pbkdf2";

    private static FrozenDictionary<string, PasswordEntry> ParseEntries(string text, string source)
    {
        var entries = new Dictionary<string, PasswordEntry>(StringComparer.Ordinal);
        foreach (var (number, line) in SecurityFileReader.Lines(text))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var entry = ParseLine(line, number, source);
            if (entries.TryGetValue(entry.UserName, out var first))
            {
                throw new SecurityConfigurationException(source, number, $"user '{entry.UserName}' appears again (first on line {first.Line})");
            }

            entries.Add(entry.UserName, entry);
        }

        return entries.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static PasswordEntry ParseLine(string line, int number, string source)
    {
        if (line.All(SecurityFileReader.IsBlank))
        {
            throw new SecurityConfigurationException(source, number, "a line of only whitespace (a blank line must be empty)");
        }

        if (SecurityFileReader.IsBlank(line[^1]))
        {
            throw new SecurityConfigurationException(source, number, "whitespace at the end of the line");
        }

        if (SecurityFileReader.IsBlank(line[0]))
        {
            throw new SecurityConfigurationException(source, number, "whitespace at the start of the line");
        }

        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new SecurityConfigurationException(source, number, "no ':' between the user name and the password hash");
        }

        string userName = line[..colon];
        if (userName.Length == 0)
        {
            throw new SecurityConfigurationException(source, number, "empty user name");
        }

        if (CheckUserName(userName) is { } problem)
        {
            throw new SecurityConfigurationException(source, number, problem);
        }

        string hash = line[(colon + 1)..];
        if (hash.Length == 0)
        {
            throw new SecurityConfigurationException(source, number, $"empty password hash for user '{userName}'");
        }

        if (ParseHash(hash, out var salt, out var sha512, out var sha256) is { } hashProblem)
        {
            // The hash itself is not quoted: a message goes to logs, and a hash is a secret worth protecting.
            throw new SecurityConfigurationException(source, number, $"malformed password hash for user '{userName}': {hashProblem} (make entries with 'tern passwd')");
        }

        return new PasswordEntry(userName, salt, sha512, sha256, number);
    }

    private static string FormatHash(ReadOnlySpan<byte> salt, ScramKeys sha512, ScramKeys sha256) =>
        $"${Scheme}${Convert.ToBase64String(salt)}${FormatKeys("sha512", sha512)}${FormatKeys("sha256", sha256)}";

    private static string FormatKeys(string name, ScramKeys keys) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}:{keys.Iterations}:{Convert.ToBase64String(keys.StoredKey)}:{Convert.ToBase64String(keys.ServerKey)}");

    /// <returns>Null when the hash is well formed, otherwise what is wrong with it.</returns>
    private static string? ParseHash(string hash, out byte[] salt, out ScramKeys sha512, out ScramKeys sha256)
    {
        salt = [];
        sha512 = null!;
        sha256 = null!;
        var parts = hash.Split('$');
        if (parts.Length != 5 || parts[0].Length != 0 || parts[1] != Scheme)
        {
            return $"not a ${Scheme}$ hash";
        }

        if (!TryBase64(parts[2], out salt) || salt.Length < SaltLength)
        {
            return $"the salt is not base64 of at least {SaltLength} bytes";
        }

        return ParseKeys(parts[3], "sha512", HashAlgorithmName.SHA512, out sha512)
            ?? ParseKeys(parts[4], "sha256", HashAlgorithmName.SHA256, out sha256);
    }

    private static string? ParseKeys(string group, string name, HashAlgorithmName algorithm, out ScramKeys keys)
    {
        keys = null!;
        var fields = group.Split(':');
        if (fields.Length != 4 || fields[0] != name)
        {
            return $"expected '{name}:<iterations>:<StoredKey>:<ServerKey>'";
        }

        if (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < MinimumIterations || iterations > MaximumIterations
            || fields[1][0] == '0')
        {
            return string.Create(CultureInfo.InvariantCulture, $"the {name} iteration count is not a number from {MinimumIterations} to {MaximumIterations}");
        }

        int length = ScramKeys.KeyLength(algorithm);
        if (!TryBase64(fields[2], out var storedKey) || storedKey.Length != length
            || !TryBase64(fields[3], out var serverKey) || serverKey.Length != length)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the {name} keys are not base64 of {length} bytes each");
        }

        keys = new ScramKeys(algorithm, iterations, storedKey, serverKey);
        return null;
    }

    // Canonical base64 only: Convert accepts embedded whitespace and non-zero padding bits, which would let two
    // spellings mean one key; re-encoding and comparing refuses them.
    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length % 4 != 0)
        {
            return false;
        }

        var buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out int written))
        {
            return false;
        }

        bytes = buffer[..written];
        return Convert.ToBase64String(bytes) == text;
    }
}
