using Tern.TestKit;

namespace Tern.Interop.Tests.TestKit;

public sealed class HexTests
{
    [Fact]
    public void Hex_reads_hex_pairs_and_quoted_text_as_UTF_8()
    {
        Assert.Equal(
            new byte[] { 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xC3, 0xA9, 0xFF },
            Hex.Bytes("00 04 'MQTT' 04 'é' ff"));
    }

    [Fact]
    public void Hex_ignores_white_space_between_and_around_pairs()
    {
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, Hex.Bytes(" 2002\n 00  00 "));
    }

    [Theory]
    [InlineData("2")]
    [InlineData("2G")]
    [InlineData("00 'unclosed")]
    public void Hex_rejects_a_broken_script(string script)
    {
        Assert.Throws<FormatException>(() => Hex.Bytes(script));
    }

    [Fact]
    public void Hex_formats_bytes_as_spaced_upper_case_pairs_and_abbreviates_long_ones()
    {
        Assert.Equal("20 02 00 0A", Hex.Format([0x20, 0x02, 0x00, 0x0A]));
        Assert.Equal(string.Empty, Hex.Format([]));
        Assert.Equal("01 02 ... (3 bytes)", Hex.Abbreviate([1, 2, 3], limit: 2));
    }
}
