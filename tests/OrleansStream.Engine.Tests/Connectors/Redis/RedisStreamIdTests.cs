using OrleansStream.Engine.Connectors.Redis;

namespace OrleansStream.Engine.Tests.Connectors.Redis;

public sealed class RedisStreamIdTests
{
    [Theory]
    [InlineData("1700000000000-3", 1700000000000UL, 3UL)]
    [InlineData("0-0", 0UL, 0UL)]
    [InlineData("42", 42UL, 0UL)]
    [InlineData("18446744073709551615-18446744073709551615", ulong.MaxValue, ulong.MaxValue)]
    public void Parse_ReadsMillisecondsAndSequence_AndWritesThemBack(string text, ulong ms, ulong seq)
    {
        var id = RedisStreamId.Parse(text);

        Assert.Equal(new RedisStreamId(ms, seq), id);
        Assert.Equal(text.Contains('-') ? text : text + "-0", id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1-")]
    [InlineData("a-1")]
    [InlineData("1-2-3")]
    [InlineData(" 1-2")]
    [InlineData("18446744073709551616-0")]
    [InlineData("$")]
    public void Parse_RefusesWhatIsNotAnId_QuotingIt(string text)
    {
        Assert.False(RedisStreamId.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => RedisStreamId.Parse(text));
        Assert.Contains($"'{text}'", error.Message);
    }

    [Fact]
    public void Ids_OrderByMillisecondsThenSequence_NotAsText()
    {
        string[] texts = ["10-0", "9-5", "9-10", "0-1", "10-1", "9-9"];

        var ordered = texts.Select(RedisStreamId.Parse).Order().Select(i => i.ToString());

        Assert.Equal(["0-1", "9-5", "9-9", "9-10", "10-0", "10-1"], ordered);
        Assert.True(RedisStreamId.Parse("9-10") > RedisStreamId.Parse("9-9"));
        Assert.True(RedisStreamId.Parse("10-0") > RedisStreamId.Parse("9-99"));
        Assert.True(RedisStreamId.Zero < RedisStreamId.Parse("0-1"));
        Assert.Equal(RedisStreamId.Parse("9-10"), RedisStreamId.Max(RedisStreamId.Parse("9-10"), RedisStreamId.Parse("9-9")));
        Assert.Equal(RedisStreamId.Parse("9-9"), RedisStreamId.Min(RedisStreamId.Parse("9-10"), RedisStreamId.Parse("9-9")));
    }

    [Fact]
    public void TimestampMicros_IsTheMillisecondsPart()
    {
        Assert.Equal(1_700_000_000_123_000L, RedisStreamId.Parse("1700000000123-7").TimestampMicros);
    }
}
