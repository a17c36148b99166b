using System.Runtime.ExceptionServices;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

/// <summary>
/// CVE-2019-11779 (RELIABILITY C7): a SUBSCRIBE or PUBLISH with 65,535 '/' overflowed mosquitto's recursive code.
/// Every test here runs on a thread with a 256 KB stack, far too small for one stack frame per level.
/// </summary>
public class DeepTopicTests
{
    private const int SmallStack = 256 * 1024;

    // 65,535 separators: 65,536 empty levels, the longest topic a 2-byte length can carry.
    private static readonly byte[] Deepest = Slashes(ushort.MaxValue);

    private static byte[] Slashes(int count)
    {
        var bytes = new byte[count];
        bytes.AsSpan().Fill((byte)'/');
        return bytes;
    }

    private static void OnSmallStack(Action action)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    action();
                }
#pragma warning disable CA1031 // The failure is rethrown on the test thread.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            },
            SmallStack);
        thread.Start();
        thread.Join();
        failure?.Throw();
    }

    [Fact]
    public void A_topic_and_filter_of_65536_empty_levels_validate_without_recursion()
    {
        OnSmallStack(() =>
        {
            Assert.Equal(65_536, TopicLevels.Count(Deepest));
            Assert.True(TopicName.Validate(Deepest, ProtocolVersion.V500).IsNone);
            Assert.True(TopicFilter.Validate(Deepest, ProtocolVersion.V311).IsNone);
            Assert.True(TopicFilter.Validate(Deepest, ProtocolVersion.V500).IsNone);
        });
    }

    [Fact]
    public void A_topic_of_65536_empty_levels_matches_itself_and_hash_filters()
    {
        var oneLevelShort = Slashes(ushort.MaxValue - 1);
        var deepHash = Slashes(ushort.MaxValue);
        deepHash[^1] = (byte)'#'; // 65,534 empty levels, then '#'

        OnSmallStack(() =>
        {
            Assert.True(TopicFilter.IsMatch(Deepest, Deepest));
            Assert.True(TopicFilter.IsMatch("#"u8, Deepest));
            Assert.True(TopicFilter.IsMatch(deepHash, Deepest));
            Assert.False(TopicFilter.IsMatch(oneLevelShort, Deepest));
            Assert.False(TopicFilter.IsMatch(Deepest, oneLevelShort));
        });
    }

    [Fact]
    public void A_filter_of_32768_plus_levels_matches_a_topic_of_as_many_levels()
    {
        // "+/+/.../+" and "a/a/.../a": 65,535 bytes each, 32,768 levels.
        var plus = new byte[ushort.MaxValue];
        var topic = new byte[ushort.MaxValue];
        for (int i = 0; i < plus.Length; i++)
        {
            plus[i] = i % 2 == 0 ? (byte)'+' : (byte)'/';
            topic[i] = i % 2 == 0 ? (byte)'a' : (byte)'/';
        }

        OnSmallStack(() =>
        {
            Assert.True(TopicFilter.Validate(plus, ProtocolVersion.V500).IsNone);
            Assert.True(TopicFilter.IsMatch(plus, topic));
            topic[^1] = (byte)'/'; // the last level "a" becomes two empty levels
            Assert.False(TopicFilter.IsMatch(plus, topic));
        });
    }

    [Fact]
    public void Enumerating_65536_levels_yields_each_empty_level()
    {
        OnSmallStack(() =>
        {
            int count = 0;
            foreach (var level in TopicLevels.Of(Deepest))
            {
                Assert.True(level.IsEmpty);
                count++;
            }

            Assert.Equal(65_536, count);
        });
    }

    [Fact]
    public void A_level_limit_refuses_the_deep_topic_and_filter()
    {
        var name = TopicName.Validate(Deepest, ProtocolVersion.V500, maxLevels: 128);
        var filter = TopicFilter.Validate(Deepest, ProtocolVersion.V500, maxLevels: 128);

        Assert.Equal((ReasonCode.TopicNameInvalid, "5.0 §3.4.2.1"), (name.ReasonCode, name.Statement));
        Assert.Equal((ReasonCode.TopicFilterInvalid, "5.0 §3.9.3"), (filter.ReasonCode, filter.Statement));
    }

    [Fact]
    public void A_topic_name_at_the_level_limit_is_accepted_and_one_more_level_is_refused()
    {
        Assert.True(TopicName.Validate("a/b/c"u8, ProtocolVersion.V311, maxLevels: 3).IsNone);

        var violation = TopicName.Validate("a/b/c/"u8, ProtocolVersion.V311, maxLevels: 3);

        Assert.Equal((ReasonCode.TopicNameInvalid, "3.1.1 §3.3.5"), (violation.ReasonCode, violation.Statement));
        Assert.Equal("3.1.1 MQTT-3.3.2-2", TopicName.Validate("a/+/c/d"u8, ProtocolVersion.V311, maxLevels: 3).Statement);
        Assert.Throws<ArgumentOutOfRangeException>(() => TopicName.Validate("a"u8, ProtocolVersion.V500, maxLevels: 0));
    }
}
