using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Nexmark;
using OrleansStream.Engine.Connectors.Rate;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Tests.Connectors;

/// <summary>Typed offsets keep the JSON that older checkpoints' offset logs hold.</summary>
public sealed class StreamSourceOffsetTests
{
    [Fact]
    public async Task RateOffset_IsWrittenAsBefore_AndRoundTrips()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(10_000));
        var source = new RateSourceProvider().CreateStream(Relation("rate", ("rowsPerSecond", "10")), new SourceContext { Time = clock });
        var state = new State { StartMs = 8_000 };

        var end = await source.LatestOffsetAsync(null, state, null, default);

        Assert.Equal("{\"startMs\":8000,\"rows\":20}", end);
        var typed = (StreamSource<RateOffset>)source;
        Assert.Equal(new RateOffset(8000, 20), typed.DeserializeOffset(end!));
        Assert.Equal(end, typed.SerializeOffset(typed.DeserializeOffset(end!)));
    }

    [Fact]
    public async Task RateMicroBatch_ReadsThePartitionsRows()
    {
        var source = new RateSourceProvider().CreateStream(Relation("rate-micro-batch", ("rowsPerBatch", "5"), ("numPartitions", "2")), new SourceContext());

        var rows = new List<long>();
        await foreach (var batch in source.ReadAsync("{\"startMs\":0,\"rows\":5}", "{\"startMs\":0,\"rows\":10}", new SourcePartition(1, 2), source.Schema, default))
            rows.AddRange(((Apache.Arrow.Int64Array)batch.Column(1)).Values.ToArray());

        Assert.Equal([5L, 7, 9], rows);
    }

    [Fact]
    public async Task NexmarkOffset_IsWrittenAsBefore_AndReadsOffsetsWithoutAStart()
    {
        var source = new NexmarkSourceProvider().CreateStream(Relation("nexmark", ("numRows", "1000"), ("rowsPerBatch", "300")), new SourceContext());
        var state = new State();

        var end = await source.LatestOffsetAsync("{\"rows\":600}", state, null, default);

        Assert.Equal("{\"rows\":900,\"startMs\":0}", end);
        Assert.Equal(new NexmarkOffset(600, 0), ((StreamSource<NexmarkOffset>)source).DeserializeOffset("{\"rows\":600}"));
        Assert.Null(await source.LatestOffsetAsync("{\"rows\":1000,\"startMs\":0}", state, null, default));
    }

    private static SourceRelation Relation(string format, params (string Key, string Value)[] options) =>
        new("0", format, options.ToDictionary(o => o.Key, o => o.Value, StringComparer.OrdinalIgnoreCase), null, true);

    private sealed class State : ISourcePlanningState
    {
        public long? StartMs { get; set; }
        public ISet<string> SeenFiles { get; } = new HashSet<string>();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
