namespace Tern.Broker.Tests.Security;

/// <summary>RELIABILITY E2 (CVE-2018-12551): every bad line makes the whole file unusable, with the file and line named.</summary>
public class PasswordFileParsingTests
{
    private static string Hash => TestEntries.AliceHash;

    // The line at fault is always line 3, after a comment and a valid entry, so the number in the message is checked.
    public static TheoryData<string, string, string> BadLines() => new()
    {
        { "a line without a colon", "alice", "no ':' between the user name and the password hash" },
        { "an empty user name", ":" + Hash, "empty user name" },
        { "an empty hash", "alice:", "empty password hash for user 'alice'" },
        { "trailing spaces", "alice:" + Hash + "  ", "whitespace at the end of the line" },
        { "a trailing tab", "alice:" + Hash + "\t", "whitespace at the end of the line" },
        { "a leading space", " alice:" + Hash, "whitespace at the start of the line" },
        { "a line of spaces", "   ", "a line of only whitespace" },
        { "a duplicate user", "bob:" + TestEntries.Bob["bob:".Length..], "user 'bob' appears again (first on line 2)" },
        { "a control character in the user name", "al\u0001ice:" + Hash, "control characters" },
        { "a user name ending with a space", "alice :" + Hash, "may not start or end with whitespace" },
        { "a plain text password", "alice:wonderland", "malformed password hash for user 'alice': not a $tern-pbkdf2$ hash" },
        { "a Mosquitto $7$ hash", "alice:$7$101$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==", "not a $tern-pbkdf2$ hash" },
        { "a salt that is not base64", "alice:" + Replace(2, "!!!!"), "the salt is not base64" },
        { "a salt shorter than 16 bytes", "alice:" + Replace(2, "c2FsdA=="), "the salt is not base64 of at least 16 bytes" },
        { "a non-canonical salt", "alice:" + Replace(2, NonCanonical(Part(2))), "the salt is not base64" },
        { "too few iterations", "alice:" + ReplaceIterations(3, "4095"), "the sha512 iteration count is not a number from 4096 to 10000000" },
        { "too many iterations", "alice:" + ReplaceIterations(4, "10000001"), "the sha256 iteration count is not a number" },
        { "an iteration count with a sign", "alice:" + ReplaceIterations(3, "+4096"), "the sha512 iteration count is not a number" },
        { "an iteration count with a leading zero", "alice:" + ReplaceIterations(3, "04096"), "the sha512 iteration count is not a number" },
        { "an iteration count past int", "alice:" + ReplaceIterations(3, "99999999999"), "the sha512 iteration count is not a number" },
        { "the groups in the wrong order", "alice:" + Swap(), "expected 'sha512:<iterations>:<StoredKey>:<ServerKey>'" },
        { "a missing group", "alice:" + string.Join('$', Hash.Split('$')[..4]), "not a $tern-pbkdf2$ hash" },
        { "an extra group", "alice:" + Hash + "$x", "not a $tern-pbkdf2$ hash" },
        { "a short SHA-512 key", "alice:" + ReplaceKey(3, 2, Convert.ToBase64String(new byte[32])), "the sha512 keys are not base64 of 64 bytes each" },
        { "a long SHA-256 key", "alice:" + ReplaceKey(4, 3, Convert.ToBase64String(new byte[64])), "the sha256 keys are not base64 of 32 bytes each" },
        { "a key with a space inside", "alice:" + ReplaceKey(4, 2, "AAAA AAA"), "the sha256 keys are not base64" },
        { "an empty key", "alice:" + ReplaceKey(3, 3, string.Empty), "the sha512 keys are not base64" },
        { "a carriage return in the middle of a line", "alice:" + Hash[..10] + "\r" + Hash[10..], "malformed password hash" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_bad_line_makes_the_file_unusable_naming_the_file_and_the_line(string kind, string line, string expected)
    {
        string text = "# users\n" + TestEntries.Bob + "\n" + line + "\n" + TestEntries.Entry("carol", "x") + "\n";

        var error = Assert.Throws<SecurityConfigurationException>(() => PasswordFile.Parse(text, "/etc/tern/passwd"));

        Assert.StartsWith("/etc/tern/passwd line 3: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
        Assert.Equal("/etc/tern/passwd", error.Path);
        Assert.False(string.IsNullOrEmpty(kind));
    }

    [Fact]
    public void The_error_message_never_contains_the_hash()
    {
        string bad = "alice:" + ReplaceIterations(3, "12");

        var error = Assert.Throws<SecurityConfigurationException>(() => PasswordFile.Parse(bad, "p"));

        foreach (string part in bad.Split('$', ':').Where(p => p.Length > 20))
        {
            Assert.DoesNotContain(part, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Comments_blank_lines_and_crlf_line_endings_are_accepted()
    {
        string text = "\uFEFF# first comment\r\n\r\n" + TestEntries.Alice + "\r\n#" + TestEntries.Bob + "\r\n\n" + TestEntries.Bob;

        var file = PasswordFile.Parse(text, "p");

        Assert.Equal(2, file.Count);
        Assert.True(file.Contains("alice"));
        Assert.True(file.Contains("bob"));
        Assert.True(file.Verify("alice", "wonderland"u8));
    }

    [Fact]
    public void An_empty_file_has_no_users_and_verifies_nobody()
    {
        var file = PasswordFile.Parse(string.Empty, "p");

        Assert.Equal(0, file.Count);
        Assert.False(file.Verify("alice", "wonderland"u8));
    }

    [Fact]
    public void User_names_are_case_sensitive()
    {
        var file = PasswordFile.Parse(TestEntries.Alice, "p");

        Assert.False(file.Contains("Alice"));
        Assert.False(file.Verify("Alice", "wonderland"u8));
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tern-missing-{Guid.NewGuid():N}");

        var error = Assert.Throws<SecurityConfigurationException>(() => PasswordFile.Load(path));

        Assert.StartsWith($"cannot read password file {path}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_utf8_is_a_clear_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tern-pw-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, [(byte)'a', 0xC3, 0x28, (byte)':', (byte)'x']);
        try
        {
            var error = Assert.Throws<SecurityConfigurationException>(() => PasswordFile.Load(path));

            Assert.Equal($"cannot read password file {path}: not valid UTF-8", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("", "the user name is empty")]
    [InlineData("a:b", "a user name may not contain ':'")]
    [InlineData("a\nb", "a user name may not contain control characters")]
    [InlineData(" a", "a user name may not start or end with whitespace")]
    [InlineData("a ", "a user name may not start or end with whitespace")]
    [InlineData("#a", "a user name may not start with '#' (the line would be a comment)")]
    public void An_entry_cannot_be_made_for_a_user_name_the_file_could_not_hold(string userName, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => PasswordFile.CreateEntry(userName, "pw"u8, TestEntries.Iterations, TestEntries.Iterations));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_cannot_be_made_with_an_empty_password()
    {
        Assert.Throws<ArgumentException>(() => PasswordFile.CreateEntry("alice", ReadOnlySpan<byte>.Empty, TestEntries.Iterations, TestEntries.Iterations));
    }

    [Fact]
    public void A_new_entry_uses_a_fresh_16_byte_salt_and_the_default_iteration_counts()
    {
        string first = PasswordFile.CreateEntry("alice", "pw"u8);
        string second = PasswordFile.CreateEntry("alice", "pw"u8);

        var parts = first.Split('$');
        Assert.Equal("alice:", parts[0]);
        Assert.Equal("tern-pbkdf2", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.StartsWith("sha512:210000:", parts[3], StringComparison.Ordinal);
        Assert.StartsWith("sha256:600000:", parts[4], StringComparison.Ordinal);
        Assert.NotEqual(first.Split('$')[2], second.Split('$')[2]);
    }

    private static string Part(int index) => Hash.Split('$')[index];

    private static string Replace(int index, string value)
    {
        var parts = Hash.Split('$');
        parts[index] = value;
        return string.Join('$', parts);
    }

    private static string ReplaceIterations(int group, string iterations)
    {
        var fields = Part(group).Split(':');
        fields[1] = iterations;
        return Replace(group, string.Join(':', fields));
    }

    private static string ReplaceKey(int group, int field, string key)
    {
        var fields = Part(group).Split(':');
        fields[field] = key;
        return Replace(group, string.Join(':', fields));
    }

    private static string Swap()
    {
        var parts = Hash.Split('$');
        (parts[3], parts[4]) = (parts[4], parts[3]);
        return string.Join('$', parts);
    }

    // The same bytes spelt with non-zero padding bits: "...A==" decodes like "...B==" would, and must be refused.
    private static string NonCanonical(string base64)
    {
        char last = base64[^3];
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char changed = alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) ^ 1];
        return base64[..^3] + changed + "==";
    }
}
