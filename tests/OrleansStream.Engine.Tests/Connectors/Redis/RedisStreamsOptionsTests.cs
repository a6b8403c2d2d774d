using OrleansStream.Engine.Connectors.Redis;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Connectors.Redis;

/// <summary>Every bad option of the redis-streams source is refused when the query is compiled, naming the option.</summary>
public sealed class RedisStreamsOptionsTests
{
    [Fact]
    public void Schema_IsTheFixedColumnsThenAFieldsMap_OrTheDeclaredColumns()
    {
        Assert.Equal("stream string NOT NULL, id string NOT NULL, timestamp timestamp NOT NULL, fields map<string,string> NOT NULL",
            DataTypes.ToDdl(Options(("streams", "a")).Schema));
        Assert.Equal("stream string NOT NULL, id string NOT NULL, timestamp timestamp NOT NULL, user string, ts timestamp, n int NOT NULL",
            DataTypes.ToDdl(Options(("streams", "a"), ("schema", "user STRING, ts TIMESTAMP, n INT NOT NULL")).Schema));
    }

    [Fact]
    public void Streams_AreDistinctAndOrdered_OnePartitionEach()
    {
        var options = Options(("streams", " views, clicks,views ,"));

        Assert.Equal(["clicks", "views"], options.Streams);
        Assert.Equal(2, options.NumPartitions);
    }

    [Fact]
    public void StartingOffsets_LatestByDefault_EarliestOrAnIdPerStream()
    {
        Assert.Null(Options(("streams", "a")).StartOf("a"));
        Assert.Equal(RedisStreamId.Zero, Options(("streams", "a"), ("startingOffsets", "earliest")).StartOf("a"));
        var json = Options(("streams", "a,b"), ("startingOffsets", "{\"a\":\"12-3\",\"b\":\"$\"}"));
        Assert.Equal(RedisStreamId.Parse("12-3"), json.StartOf("a"));
        Assert.Null(json.StartOf("b"));
    }

    [Theory]
    [InlineData("'host' is required", "streams", "a")]
    [InlineData("exactly one of option 'streams'", "host", "h:1")]
    [InlineData("Option 'streams' names no stream key", "host", "h:1", "streams", " , ")]
    [InlineData("exactly one of option 'streams'", "host", "h:1", "streams", "a", "streamPattern", "a*")]
    [InlineData("Option 'schema' is not a DDL schema", "host", "h:1", "streams", "a", "schema", "user STRING,,")]
    [InlineData("Option 'schema' declares column 'id'", "host", "h:1", "streams", "a", "schema", "id STRING")]
    [InlineData("Option 'schema': column 'tags' has type array<string>", "host", "h:1", "streams", "a", "schema", "tags ARRAY<STRING>")]
    [InlineData("Option 'schema' declares column 'n' twice", "host", "h:1", "streams", "a", "schema", "n INT, N INT")]
    [InlineData("Option 'startingOffsets' must be 'earliest', 'latest' or JSON", "host", "h:1", "streams", "a", "startingOffsets", "first")]
    [InlineData("Option 'startingOffsets': stream 'a' has 'x'", "host", "h:1", "streams", "a", "startingOffsets", "{\"a\":\"x\"}")]
    [InlineData("Option 'startingOffsets' names stream 'c', which option 'streams' does not list", "host", "h:1", "streams", "a", "startingOffsets", "{\"a\":\"1-0\",\"c\":\"1-0\"}")]
    [InlineData("every stream of option 'streams' an id: 'b' missing", "host", "h:1", "streams", "a,b", "startingOffsets", "{\"a\":\"1-0\"}")]
    [InlineData("must be 'earliest' or 'latest' with 'streamPattern'", "host", "h:1", "streamPattern", "a*", "startingOffsets", "{\"a\":\"1-0\"}")]
    [InlineData("Invalid value '0' for option 'maxEntriesPerTrigger'", "host", "h:1", "streams", "a", "maxEntriesPerTrigger", "0")]
    [InlineData("Option 'numPartitions' applies to 'streamPattern' only", "host", "h:1", "streams", "a", "numPartitions", "2")]
    public void BadOption_IsRefused_NamingIt(string message, params string[] pairs)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < pairs.Length; i += 2) options[pairs[i]] = pairs[i + 1];

        var error = Assert.Throws<ArgumentException>(() => new RedisStreamsOptions(options, null));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void UserSchema_IsRefused_PointingAtOptionSchema()
    {
        var error = Assert.Throws<ArgumentException>(() => new RedisStreamsOptions(new Dictionary<string, string> { ["host"] = "h:1", ["streams"] = "a" }, "a INT"));
        Assert.Contains("option 'schema'", error.Message);
    }

    [Fact]
    public void Host_IsShownWithoutItsPassword()
    {
        var options = Options(("streams", "a"), ("host", "10.0.0.5:6380,password=s3cret"));

        Assert.DoesNotContain("s3cret", options.Host);
        Assert.Contains("10.0.0.5:6380", options.Host);
    }

    private static RedisStreamsOptions Options(params (string Key, string Value)[] pairs)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["host"] = "127.0.0.1:6379" };
        foreach (var (k, v) in pairs) options[k] = v;
        return new RedisStreamsOptions(options, null);
    }
}
