using System.Collections.Frozen;
using System.Security.Cryptography;
using Tern.Broker.Security;

namespace Tern.Broker;

/// <summary>
/// An immutable snapshot of a password file: one line per user, <c>name:$tern-pbkdf2$...</c>, written by
/// <c>tern passwd</c>. It checks a user's password in constant time and hands SCRAM mechanisms the keys they need.
/// The format is described in docs/security.md.
/// </summary>
/// <remarks>
/// <para>
/// Each entry holds a random 16-byte salt and, for SHA-512 and SHA-256, the SCRAM StoredKey and ServerKey of RFC 5802
/// §3 derived with PBKDF2 (210,000 iterations of HMAC-SHA512 and 600,000 of HMAC-SHA256 by default, OWASP's 2023
/// figures for each). Neither the password nor PBKDF2's output (SCRAM's SaltedPassword, which would let a thief of the
/// file log in with SCRAM) is stored. <see cref="Verify"/> recomputes the SHA-512 StoredKey from the password and
/// compares it with <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// </para>
/// <para>
/// Parsing is strict and fails closed (CVE-2018-12551): blank lines and lines starting with <c>#</c> are skipped;
/// any other line that is not exactly a well-formed entry (no <c>:</c>, an empty name, an empty or malformed hash,
/// a duplicate user, whitespace at either end) makes the whole file unusable with a message naming the file and line.
/// Line endings may be LF or CRLF.
/// </para>
/// <para>Thread safety: immutable after construction; every member may be called concurrently.</para>
/// </remarks>
public sealed partial class PasswordFile
{
    /// <summary>Default PBKDF2-HMAC-SHA512 iterations for new entries: 210,000 (OWASP Password Storage Cheat Sheet, 2023).</summary>
    public const int DefaultSha512Iterations = 210_000;

    /// <summary>Default PBKDF2-HMAC-SHA256 iterations for new entries: 600,000 (OWASP Password Storage Cheat Sheet, 2023).</summary>
    public const int DefaultSha256Iterations = 600_000;

    /// <summary>The fewest iterations a file may use: 4096, the minimum RFC 7677 §4 sets for SCRAM-SHA-256.</summary>
    public const int MinimumIterations = 4096;

    /// <summary>The most iterations a file may use: 10,000,000, so a damaged or hostile file cannot make one check take minutes.</summary>
    public const int MaximumIterations = 10_000_000;

    /// <summary>The SASL name of SCRAM-SHA-256 (RFC 7677).</summary>
    public const string ScramSha256 = "SCRAM-SHA-256";

    /// <summary>The SASL name of SCRAM-SHA-512.</summary>
    public const string ScramSha512 = "SCRAM-SHA-512";

    private readonly FrozenDictionary<string, PasswordEntry> _entries;

    // Checked instead of a missing user so that the time taken does not say whether the user exists.
    private readonly PasswordEntry _dummy;

    private PasswordFile(string source, FrozenDictionary<string, PasswordEntry> entries)
    {
        Source = source;
        _entries = entries;
        int iterations = entries.Count == 0 ? DefaultSha512Iterations : entries.Values.Max(e => e.Sha512.Iterations);
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        _dummy = new PasswordEntry(
            string.Empty,
            salt,
            new ScramKeys(HashAlgorithmName.SHA512, iterations, RandomNumberGenerator.GetBytes(64), RandomNumberGenerator.GetBytes(64)),
            new ScramKeys(HashAlgorithmName.SHA256, MinimumIterations, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32)),
            0);
    }

    /// <summary>Where the entries came from: the path given to <see cref="Load"/>, or the source name given to <see cref="Parse"/>.</summary>
    public string Source { get; }

    /// <summary>The number of users.</summary>
    public int Count => _entries.Count;

    /// <summary>The user names, in no particular order.</summary>
    public IEnumerable<string> UserNames => _entries.Keys;

    /// <summary>Reads and parses a password file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="SecurityConfigurationException">It cannot be read, is not UTF-8, or a line is not a valid entry; the message names the file and line.</exception>
    public static PasswordFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(SecurityFileReader.ReadText(path, "password file"), path);
    }

    /// <summary>Parses the text of a password file.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="source">The name used in error messages, usually the path.</param>
    /// <exception cref="SecurityConfigurationException">A line is not a valid entry; the message names <paramref name="source"/> and the line.</exception>
    public static PasswordFile Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        return new PasswordFile(source, ParseEntries(text, source));
    }

    /// <summary>Whether the file has an entry for <paramref name="userName"/> (case-sensitive, as MQTT user names).</summary>
    public bool Contains(string userName) => _entries.ContainsKey(userName);

    /// <summary>
    /// Checks a password. Takes the same time whether the user exists or not (an unknown user's password is checked
    /// against a made-up entry with the file's highest iteration count) and compares in constant time.
    /// </summary>
    /// <param name="userName">The user name of CONNECT.</param>
    /// <param name="password">The password bytes of CONNECT; an empty password never matches.</param>
    /// <returns>True only when the user exists and the password is theirs.</returns>
    /// <remarks>Costs one PBKDF2-HMAC-SHA512 (about 0.1 s of CPU at 210,000 iterations): run it off any latency-sensitive thread.</remarks>
    public bool Verify(string userName, ReadOnlySpan<byte> password)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (password.IsEmpty)
        {
            // tern passwd refuses empty passwords, so this answer is the same for every user and reveals nothing.
            return false;
        }

        bool known = _entries.TryGetValue(userName, out var entry);
        var checkedEntry = entry ?? _dummy;
        bool matches = checkedEntry.Sha512.Matches(password, checkedEntry.Salt);
        return known & matches;
    }

    /// <summary>
    /// The SCRAM credential of a user for a mechanism (RFC 5802 §3): the salt, the iteration count, StoredKey and ServerKey.
    /// The arrays are copies the caller owns.
    /// </summary>
    /// <param name="user">The user name.</param>
    /// <param name="mechanism"><see cref="ScramSha256"/> or <see cref="ScramSha512"/> (case-sensitive, as SASL names).</param>
    /// <param name="salt">The salt.</param>
    /// <param name="iterations">The PBKDF2 iteration count for this mechanism's hash.</param>
    /// <param name="storedKey">H(HMAC(SaltedPassword, "Client Key")).</param>
    /// <param name="serverKey">HMAC(SaltedPassword, "Server Key").</param>
    /// <returns>
    /// False for an unknown user or mechanism. A SCRAM mechanism should then carry on with a made-up salt so the
    /// exchange does not reveal which users exist (RFC 5802 §5.1), and fail at the end.
    /// </returns>
    public bool TryGetScramCredential(string user, string mechanism, out byte[] salt, out int iterations, out byte[] storedKey, out byte[] serverKey)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(mechanism);
        ScramKeys? keys = null;
        if (_entries.TryGetValue(user, out var entry))
        {
            keys = mechanism switch
            {
                ScramSha256 => entry.Sha256,
                ScramSha512 => entry.Sha512,
                _ => null,
            };
        }

        if (entry is null || keys is null)
        {
            salt = [];
            iterations = 0;
            storedKey = [];
            serverKey = [];
            return false;
        }

        salt = (byte[])entry.Salt.Clone();
        iterations = keys.Iterations;
        storedKey = (byte[])keys.StoredKey.Clone();
        serverKey = (byte[])keys.ServerKey.Clone();
        return true;
    }

    /// <summary>
    /// Makes a password file line for a user with a fresh random salt and the default iteration counts:
    /// <c>name:$tern-pbkdf2$...</c>. This is what <c>tern passwd</c> writes.
    /// </summary>
    /// <param name="userName">The user: not empty, no <c>:</c>, no control characters, no whitespace at either end, not starting with <c>#</c>.</param>
    /// <param name="password">The password bytes (UTF-8 for a typed password): not empty.</param>
    /// <exception cref="ArgumentException">The user name or password is not acceptable; the message says why and never contains the password.</exception>
    public static string CreateEntry(string userName, ReadOnlySpan<byte> password) =>
        CreateEntry(userName, password, DefaultSha512Iterations, DefaultSha256Iterations);

    /// <summary>Makes a password file line as <see cref="CreateEntry(string, ReadOnlySpan{byte})"/> does, with chosen iteration counts.</summary>
    /// <param name="userName">The user.</param>
    /// <param name="password">The password bytes: not empty.</param>
    /// <param name="sha512Iterations">PBKDF2-HMAC-SHA512 iterations, between <see cref="MinimumIterations"/> and <see cref="MaximumIterations"/>.</param>
    /// <param name="sha256Iterations">PBKDF2-HMAC-SHA256 iterations, between <see cref="MinimumIterations"/> and <see cref="MaximumIterations"/>.</param>
    /// <exception cref="ArgumentException">The user name or password is not acceptable.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An iteration count is out of range.</exception>
    public static string CreateEntry(string userName, ReadOnlySpan<byte> password, int sha512Iterations, int sha256Iterations) =>
        CreateEntry(userName, password, RandomNumberGenerator.GetBytes(SaltLength), sha512Iterations, sha256Iterations);

    /// <summary>Why a user name cannot go in a password file, or null when it can.</summary>
    /// <param name="userName">The candidate.</param>
    public static string? CheckUserName(string userName)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (userName.Length == 0)
        {
            return "the user name is empty";
        }

        if (userName.Contains(':', StringComparison.Ordinal))
        {
            return "a user name may not contain ':'";
        }

        if (userName.Any(char.IsControl))
        {
            return "a user name may not contain control characters";
        }

        if (char.IsWhiteSpace(userName[0]) || char.IsWhiteSpace(userName[^1]))
        {
            return "a user name may not start or end with whitespace";
        }

        if (userName[0] == '#')
        {
            return "a user name may not start with '#' (the line would be a comment)";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(userName) > ushort.MaxValue)
        {
            return "the user name is longer than 65,535 bytes";
        }

        return null;
    }

    /// <summary>Makes an entry with a given salt (tests use the salts of published test vectors).</summary>
    internal static string CreateEntry(string userName, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int sha512Iterations, int sha256Iterations)
    {
        if (CheckUserName(userName) is { } problem)
        {
            throw new ArgumentException(problem, nameof(userName));
        }

        if (password.IsEmpty)
        {
            throw new ArgumentException("the password is empty", nameof(password));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sha512Iterations, MinimumIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sha512Iterations, MaximumIterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(sha256Iterations, MinimumIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sha256Iterations, MaximumIterations);
        var sha512 = ScramKeys.Derive(HashAlgorithmName.SHA512, password, salt, sha512Iterations);
        var sha256 = ScramKeys.Derive(HashAlgorithmName.SHA256, password, salt, sha256Iterations);
        return userName + ":" + FormatHash(salt, sha512, sha256);
    }
}
