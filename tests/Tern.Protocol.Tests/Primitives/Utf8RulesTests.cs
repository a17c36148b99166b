using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Primitives;

public class Utf8RulesTests
{
    [Theory]
    [InlineData("'sensors/temp'", Utf8Status.Valid)]
    [InlineData("", Utf8Status.Valid)]
    [InlineData("E2 82 AC", Utf8Status.Valid)]                    // U+20AC euro sign
    [InlineData("F0 AA 9B 94", Utf8Status.Valid)]                 // U+2A6D4, the spec's example of a supplementary character (5.0 §1.5.4)
    [InlineData("EF BB BF 'a'", Utf8Status.Valid)]                // U+FEFF is kept, never stripped (MQTT-1.5.4-3)
    [InlineData("EF BF BF", Utf8Status.Valid)]                    // U+FFFF, a non-character, is well-formed
    [InlineData("ED A0 80", Utf8Status.IllFormed)]                // U+D800, a surrogate (MQTT-1.5.4-1)
    [InlineData("ED BF BF", Utf8Status.IllFormed)]                // U+DFFF
    [InlineData("C0 80", Utf8Status.IllFormed)]                   // overlong U+0000
    [InlineData("E0 80 AF", Utf8Status.IllFormed)]                // overlong '/'
    [InlineData("F5 80 80 80", Utf8Status.IllFormed)]             // lead byte above U+10FFFF
    [InlineData("FF", Utf8Status.IllFormed)]
    [InlineData("'a' E2 82", Utf8Status.IllFormed)]               // truncated sequence
    [InlineData("'a' 00 'b'", Utf8Status.NullCharacter)]          // U+0000 (MQTT-1.5.4-2)
    [InlineData("'a' 01", Utf8Status.ControlCharacter)]           // U+0001
    [InlineData("1F", Utf8Status.ControlCharacter)]
    [InlineData("7F", Utf8Status.ControlCharacter)]               // DEL
    [InlineData("C2 80", Utf8Status.ControlCharacter)]            // U+0080
    [InlineData("'x' C2 9F", Utf8Status.ControlCharacter)]        // U+009F
    [InlineData("C2 A0", Utf8Status.Valid)]                       // U+00A0 is not a control character
    public void Strings_are_classified_by_the_rules_of_5_0_section_1_5_4(string hex, Utf8Status expected)
    {
        Assert.Equal(expected, Utf8Rules.Check(Hex.Bytes(hex)));
    }

    [Fact]
    public void Ill_formed_and_null_strings_are_not_well_formed_but_control_characters_are()
    {
        Assert.False(Utf8Rules.IsWellFormed(Hex.Bytes("ED A0 80")));
        Assert.False(Utf8Rules.IsWellFormed(Hex.Bytes("00")));
        Assert.True(Utf8Rules.IsWellFormed(Hex.Bytes("01")));
    }
}
