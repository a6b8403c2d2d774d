using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Redis;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Tests.Connectors.Redis;

public sealed class RedisStreamsOffsetTests
{
    [Fact]
    public void Offset_IsJsonOfAnIdPerStreamInOrdinalOrder_AndRoundTrips()
    {
        var offset = RedisStreamsOffset.Of([KeyValuePair.Create("views", RedisStreamId.Parse("10-0")), KeyValuePair.Create("clicks", RedisStreamId.Parse("9-2"))]);

        var json = offset.ToJson();

        Assert.Equal("{\"streams\":{\"clicks\":\"9-2\",\"views\":\"10-0\"}}", json);
        var back = RedisStreamsOffset.Parse(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(RedisStreamId.Parse("9-2"), back["clicks"]);
        Assert.Equal(RedisStreamId.Zero, back["unknown"]);
        Assert.Null(back.Start);
    }

    [Fact]
    public void FirstEpochsOffset_CarriesItsStart_ThroughJson()
    {
        var start = RedisStreamsOffset.Of([KeyValuePair.Create("clicks", RedisStreamId.Parse("5-0"))]);
        var end = RedisStreamsOffset.Of([KeyValuePair.Create("clicks", RedisStreamId.Parse("7-1"))]) with { Start = start.Streams };

        var json = end.ToJson();

        Assert.Equal("{\"streams\":{\"clicks\":\"7-1\"},\"start\":{\"clicks\":\"5-0\"}}", json);
        Assert.Equal(RedisStreamId.Parse("5-0"), RedisStreamsOffset.Parse(json).Start!["clicks"]);
    }

    [Fact]
    public void Source_SerializesOffsetsThroughTheSameJson()
    {
        var source = (StreamSource<RedisStreamsOffset>)new RedisStreamsSourceProvider().CreateStream(
            new SourceRelation("s", "redis-streams", new Dictionary<string, string> { ["host"] = "127.0.0.1:1", ["streams"] = "a" }, null, true), new SourceContext());
        const string Json = "{\"streams\":{\"a\":\"3-4\"}}";

        Assert.Equal(Json, source.SerializeOffset(source.DeserializeOffset(Json)));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"streams\":{\"a\":\"x\"}}")]
    [InlineData("[1]")]
    [InlineData("not json")]
    public void Parse_RefusesWhatIsNotAnOffset(string json)
    {
        var error = Assert.Throws<FormatException>(() => RedisStreamsOffset.Parse(json));
        Assert.Contains(json, error.Message);
    }
}
