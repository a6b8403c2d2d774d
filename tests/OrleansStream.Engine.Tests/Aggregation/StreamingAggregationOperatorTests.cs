using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>The keyed aggregation operator as a state partition runs it: several producers' partials per epoch.</summary>
public class StreamingAggregationOperatorTests
{
    private const string Ddl = "k bigint, v bigint";

    private static AggregateBinding Bind()
    {
        var grouping = new[] { SqlExpressionParser.ParseNamed("k") }.ToList();
        var outputs = grouping.Concat(new[] { "count(*) AS n", "sum(v) AS s" }.Select(SqlExpressionParser.ParseNamed)).ToList();
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), grouping, outputs);
        return AggregateBinding.Bind(node, Schema(Ddl));
    }

    private static RecordBatch Partial(AggregateBinding binding, params object?[][] rows)
    {
        var writer = new AggregateExchangeWriter(binding);
        writer.Add(Batch(Ddl, rows), new EpochContext(0, 0));
        return writer.Finish()!;
    }

    [Fact]
    public void UpdateMode_EmitsAKeyUpdatedByTwoProducersOnce_WithBothContributions()
    {
        var binding = Bind();
        var op = new StreamingAggregationOperator(binding, "update", null);
        var first = Partial(binding, [1L, 10L], [2L, 20L]);
        var second = Partial(binding, [2L, 5L], [3L, 7L]);

        var output = op.Process([first, second], new StatefulContext(0, null, null));

        Assert.Equal(["1 | 1 | 10", "2 | 2 | 25", "3 | 1 | 7"], Rows(output).Select(Print).Order());
        Assert.Equal(3, op.Metrics.NumRowsUpdated);
    }

    // A state partition hands the operator an owner for its output (released once the rows are handed on): the rented output
    // must hold what an unrented one holds, epoch after epoch as the pool hands the same arrays out again, and every array
    // rented goes back once. The state itself stays out of the owner's arrays: releasing never changes a later epoch.
    [Theory]
    [InlineData("update")]
    [InlineData("complete")]
    public void OutputRentedFromTheContextsOwner_HoldsTheUnrentedRows_AndEveryArrayGoesBackOnce(string mode)
    {
        var grouping = new[] { SqlExpressionParser.ParseNamed("k") }.ToList();
        var outputs = grouping.Concat(new[] { "count(*) AS n", "sum(v) AS s", "min(v) AS lo", "avg(v) AS a", "first(v) AS f" }
            .Select(SqlExpressionParser.ParseNamed)).ToList();
        var binding = AggregateBinding.Bind(new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), grouping, outputs), Schema(Ddl));
        var pool = new ArrowBufferPool();
        var rented = new StreamingAggregationOperator(binding, mode, null);
        var plain = new StreamingAggregationOperator(binding, mode, null);
        var random = new Random(5);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var rows = Enumerable.Range(0, 20_000).Select(_ => new object?[]
            {
                random.Next(9) == 0 ? null : (long)random.Next(epoch * 3_000, epoch * 3_000 + 6_000),
                random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
            }).ToArray();
            var partial = Partial(binding, rows);
            var owner = new BatchBuffers(pool);
            var expected = plain.Process([partial], new StatefulContext(epoch, null, null));
            var actual = rented.Process([partial], new StatefulContext(epoch, null, null) { Buffers = owner });
            Assert.Equal(Rows(expected).Select(Print), Rows(actual).Select(Print));
            Assert.True(pool.Rented > pool.Returned, "the output is rented");
            Assert.True(owner.ReleaseRented());
            Assert.Equal(pool.Rented, pool.Returned);
        }
    }

    // The delta is rented (the store encodes it at once) and handed back by the next Delta or MarkClean, so the next epoch's
    // delta reuses its arrays: a live-lookup replica, which keeps each delta until its version commits, must keep a copy.
    [Fact]
    public void TheDeltaIsPooledUntilMarkClean_AndALiveLookupReplicaKeepsACopyOfIt()
    {
        var binding = Bind();
        var op = new StreamingAggregationOperator(binding, "update", null);
        var copy = new StreamingAggregationOperator(binding, "update", null);
        var replica = new LookupReplica(copy, 0);
        var random = new Random(3);
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            var rows = Enumerable.Range(0, 20_000).Select(_ => new object?[] { (long)random.Next(epoch * 4_000, epoch * 4_000 + 8_000), (long)random.Next(100) }).ToArray();
            op.Process([Partial(binding, rows)], new StatefulContext(epoch, null, null));
            var delta = op.Delta();
            Assert.True(BatchBuffers.IsPooled(delta));
            var printed = Rows(delta).Select(Print).ToList();
            replica.Record(epoch, delta);
            // The store asks again; the first delta's arrays go back, and this one's with MarkClean.
            var again = op.Delta();
            Assert.Equal(printed, Rows(again).Select(Print));
            op.MarkClean();
            Assert.False(BatchBuffers.IsPooled(again));
        }
        Assert.True(replica.TryAdvance(3));
        Assert.Equal(Rows(op.Snapshot()).Select(Print).Order(), Rows(copy.Snapshot()).Select(Print).Order());
    }

    // A snapshot is encoded at once (VersionedStateStore), so its state-sized columns may be rented: same rows as an unrented
    // one, every array back once released, and the state it was taken from unchanged by the release (a later snapshot and the
    // next epoch's output are as without it).
    [Fact]
    public void ASnapshotRentedFromAnOwner_HoldsTheUnrentedRows_AndReleasingItLeavesTheStateAsItWas()
    {
        var binding = Bind();
        var op = new StreamingAggregationOperator(binding, "update", null);
        var plain = new StreamingAggregationOperator(binding, "update", null);
        var pool = new ArrowBufferPool();
        var random = new Random(11);
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            var rows = Enumerable.Range(0, 20_000).Select(_ => new object?[] { (long)random.Next(epoch * 4_000, epoch * 4_000 + 8_000), (long)random.Next(100) }).ToArray();
            var a = op.Process([Partial(binding, rows)], new StatefulContext(epoch, null, null));
            var b = plain.Process([Partial(binding, rows)], new StatefulContext(epoch, null, null));
            Assert.Equal(Rows(b).Select(Print), Rows(a).Select(Print));
            var owner = new BatchBuffers(pool);
            var rented = op.Snapshot(owner);
            Assert.True(pool.Rented > pool.Returned, "the snapshot's columns are rented");
            Assert.Equal(Rows(plain.Snapshot()).Select(Print), Rows(rented).Select(Print));
            Assert.True(owner.ReleaseRented());
            Assert.Equal(pool.Rented, pool.Returned);
            Assert.Equal(Rows(plain.Snapshot()).Select(Print), Rows(op.Snapshot()).Select(Print));
        }
    }

    private static AggregateBinding BindGlobal()
    {
        var outputs = new[] { "count(*) AS n", "sum(v) AS s" }.Select(SqlExpressionParser.ParseNamed).ToList();
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), [], outputs);
        return AggregateBinding.Bind(node, Schema(Ddl));
    }

    // Spark's aggregate without grouping answers one row over no input: the partition owning the empty key's group holds
    // that group from the first epoch on and updates it every epoch; the other partitions hold nothing and emit nothing.
    [Theory]
    [InlineData("update")]
    [InlineData("complete")]
    public void GlobalAggregation_EmptyEpochs_OnlyTheOwnerOfTheEmptyKeyEmitsItsRow(string mode)
    {
        var binding = BindGlobal();
        var ranges = Enumerable.Range(0, 3).Select(p => KeyGroups.KeyGroupRange(p, 128, 3)).ToArray();
        var ops = ranges.Select(_ => new StreamingAggregationOperator(binding, mode, null)).ToArray();
        string[] Epoch(long id, params object?[][] rows) => ops.SelectMany((op, p) =>
        {
            var owner = p == KeyGroups.PartitionOf(KeyGroups.EmptyKeyGroup, 128, 3);
            KeyedInput[] input = owner && rows.Length > 0 ? [Partial(binding, rows)] : [];
            var output = op.Process(input, new StatefulContext(id, null, null) { OwnedKeyGroups = ranges[p] });
            Assert.Equal(owner ? 1 : 0, op.Metrics.NumRowsTotal);
            Assert.Equal(owner ? 1 : 0, op.Metrics.NumRowsUpdated);
            return Rows(output).Select(Print);
        }).ToArray();

        Assert.Equal(["0 | null"], Epoch(0));
        Assert.Equal(["2 | 5"], Epoch(1, [1L, 2L], [2L, 3L]));
        Assert.Equal(["2 | 5"], Epoch(2));
    }

    // A rescaled partition loads the empty key's state row where routing sends the keyless rows.
    [Fact]
    public void GlobalAggregation_Rescaled_TheEmptyKeyLoadsAtTheOwnerOfItsGroup()
    {
        var binding = BindGlobal();
        var before = new StreamingAggregationOperator(binding, "complete", null);
        before.Process([Partial(binding, [1L, 4L])], new StatefulContext(0, null, null));
        var snapshot = before.Snapshot();
        var owners = Enumerable.Range(0, 4).Where(p =>
        {
            var range = KeyGroups.KeyGroupRange(p, 128, 4);
            var state = new AggregationState(binding.StateKeySchema, binding.Aggregates);
            state.Apply(snapshot, g => g >= range.Start && g < range.End, 128);
            return state.Count == 1;
        }).ToArray();
        Assert.Equal([KeyGroups.PartitionOf(KeyGroups.EmptyKeyGroup, 128, 4)], owners);
    }
}
