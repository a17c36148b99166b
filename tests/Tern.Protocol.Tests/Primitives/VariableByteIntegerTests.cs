using System.Buffers;
using CsCheck;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Primitives;

public class VariableByteIntegerTests
{
    // The boundaries of Table 1.1 (5.0 §1.5.5, 3.1.1 §2.2.3).
    [Theory]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "80 01")]
    [InlineData(16_383, "FF 7F")]
    [InlineData(16_384, "80 80 01")]
    [InlineData(2_097_151, "FF FF 7F")]
    [InlineData(2_097_152, "80 80 80 01")]
    [InlineData(268_435_455, "FF FF FF 7F")]
    public void The_table_boundaries_encode_and_decode_as_the_specification_shows(int value, string hex)
    {
        var expected = Hex.Bytes(hex);
        Span<byte> buffer = stackalloc byte[4];

        Assert.Equal(expected.Length, VariableByteInteger.Write(buffer, value));
        Assert.Equal(expected, buffer[..expected.Length].ToArray());
        Assert.Equal(expected.Length, VariableByteInteger.GetSize(value));
        Assert.Equal(OperationStatus.Done, VariableByteInteger.TryRead(expected, out int decoded, out int consumed));
        Assert.Equal(value, decoded);
        Assert.Equal(expected.Length, consumed);
    }

    [Fact]
    public void Every_value_round_trips_in_the_fewest_bytes()
    {
        Gen.Int[0, VariableByteInteger.MaxValue].Sample(value =>
        {
            Span<byte> buffer = stackalloc byte[4];
            int written = VariableByteInteger.Write(buffer, value);
            return VariableByteInteger.TryRead(buffer[..written], out int decoded, out int consumed) == OperationStatus.Done
                && decoded == value && consumed == written && written == VariableByteInteger.GetSize(value);
        });
    }

    [Fact]
    public void Writing_a_value_above_the_maximum_is_a_caller_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VariableByteInteger.Write(new byte[5], VariableByteInteger.MaxValue + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => VariableByteInteger.Write(new byte[5], -1));
    }

    [Fact]
    public void Reading_random_bytes_never_throws_and_never_consumes_more_than_four_bytes_on_success()
    {
        Gen.Byte.Array[0, 8].Sample(bytes =>
        {
            var status = VariableByteInteger.TryRead(bytes, out int value, out int consumed);
            return status != OperationStatus.Done || (consumed is >= 1 and <= 4 && value is >= 0 and <= VariableByteInteger.MaxValue);
        });
    }
}
