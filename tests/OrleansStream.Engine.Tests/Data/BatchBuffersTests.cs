using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Plan.Logical;
using OrleansStream.Plan.Sql;
using OrleansStream.Engine.Tests.State;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Data;

/// <summary>Pooled column arrays: one owner per batch, every rented array returned once on release, values as unpooled.</summary>
public sealed class BatchBuffersTests
{
    private readonly NexmarkGenerator _generator = new(NexmarkConfig.Default);

    [Fact]
    public void PooledNexmarkBatches_HoldTheUnpooledValues_AndReleaseReturnsEveryRentedArrayOnce()
    {
        var pool = new ArrowBufferPool();
        var batches = new (RecordBatch Pooled, RecordBatch Plain)[]
        {
            (_generator.Bids(1_000, 3_000, NexmarkSchemas.Bid, pool), _generator.Bids(1_000, 3_000)),
            (_generator.Bids(7, 500, NexmarkSchemas.BidColumns(["auction", "price", "extra"]), pool), _generator.Bids(7, 500, NexmarkSchemas.BidColumns(["auction", "price", "extra"]))),
            (_generator.Persons(3, 700, NexmarkSchemas.Person, pool), _generator.Persons(3, 700)),
            (_generator.Auctions(11, 900, NexmarkSchemas.Auction, pool), _generator.Auctions(11, 900)),
        };
        // a long and a timestamp column each, and offsets plus value bytes for each string column, at least
        Assert.True(pool.Rented >= 14, $"rented {pool.Rented}");
        Assert.Equal(0, pool.Returned);
        foreach (var (pooled, plain) in batches)
        {
            Assert.True(BatchBuffers.IsPooled(pooled));
            Assert.False(BatchBuffers.IsPooled(plain));
            AssertSameValues(plain, pooled);
        }

        foreach (var (pooled, plain) in batches)
        {
            Assert.True(BatchBuffers.Release(pooled));
            Assert.False(BatchBuffers.Release(pooled)); // a second release returns nothing again
            Assert.False(BatchBuffers.Release(plain));
        }
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void AnOwnedCopy_HoldsTheValuesOfAnyColumnType_InArraysOfItsOwner_AndOutlivesTheOriginalsRelease()
    {
        var pool = new ArrowBufferPool();
        var original = _generator.Bids(50, 2_000, NexmarkSchemas.Bid, pool);
        var nested = StateTestData.Batch("id bigint, tags array<string>, s struct<a: int, b: string>, m map<string, bigint>",
            [1L, new object?[] { "x", null }, new object?[] { 1, "one" }, new Dictionary<object, object?> { ["k"] = 2L }],
            [null, null, null, null],
            [3L, new object?[] { }, new object?[] { null, "three" }, new Dictionary<object, object?>()]);
        var expected = ArrowIpc.Deserialize(ArrowIpc.Serialize(original));

        var owner = new BatchBuffers(pool);
        var copy = owner.OwnedCopy(original.Slice(100, 1_500));
        var nestedCopy = new BatchBuffers(pool).OwnedCopy(nested.Slice(1, 2));

        Assert.Same(owner, BatchBuffers.Of(copy));
        Assert.True(BatchBuffers.Release(original));
        // The original's arrays now carry another batch: the copy must not see it.
        _generator.Bids(9_000, 2_000, NexmarkSchemas.Bid, pool);
        AssertSameValues(expected.Slice(100, 1_500), copy);
        Assert.Equal(StateTestData.Rows(nested.Slice(1, 2)).Select(StateTestData.Print), StateTestData.Rows(nestedCopy).Select(StateTestData.Print));
        Assert.True(BatchBuffers.Release(copy));
        Assert.True(BatchBuffers.Release(nestedCopy));
    }

    [Fact]
    public void AReleasedBatchsArrays_CarryTheNextBatch_WithoutNewColumnAllocations()
    {
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "bidder", "price", "dateTime", "extra"]);
        const int rows = 65_536;
        Assert.True(BatchBuffers.Release(_generator.Bids(0, rows, columns, pool)));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var next = _generator.Bids(rows, rows, columns, pool);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Four long columns and the extra text are over 6 MB; what is left is the batch's few objects.
        Assert.True(allocated < rows, $"allocated {allocated:N0} bytes");
        AssertSameValues(_generator.Bids(rows, rows, columns), next);
        Assert.True(BatchBuffers.Release(next));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void AStringColumnThatOutgrowsItsPooledBytes_ReturnsTheOutgrownArrayAtOnce()
    {
        var pool = new ArrowBufferPool();
        var buffers = new BatchBuffers(pool);
        var writer = new StringColumnWriter(4, 16, buffers);
        var values = Enumerable.Range(0, 300).Select(i => new string((char)('a' + i % 26), i % 40)).ToList();
        foreach (var value in values) writer.Append(System.Text.Encoding.UTF8.GetBytes(value));
        var column = (StringArray)writer.Build();
        var batch = buffers.Own(new RecordBatch(new Schema([new Field("s", Apache.Arrow.Types.StringType.Default, false)], null), [column], column.Length));

        Assert.Equal(values, Enumerable.Range(0, column.Length).Select(i => column.GetString(i)));
        // the value bytes grew from 16 bytes to over 5,000: every outgrown array went back as it was outgrown
        Assert.Equal(2, pool.Rented - pool.Returned);
        Assert.True(BatchBuffers.Release(batch));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void APipelineOverAPooledBatch_ComputesQ1sColumnInTheBatchsPool_WithTheUnpooledValues()
    {
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "bidder", "price", "dateTime", "extra"]);
        var pipeline = new SourcePipeline("bids", new LocalRelation([]), columns,
            [new ProjectOperator(new[] { "auction", "bidder", "price * CAST(0.908 AS DOUBLE) AS price", "dateTime", "extra" }.Select(SqlExpressionParser.ParseNamed).ToList(), columns)]);
        const int rows = 65_536;
        var warmUp = _generator.Bids(0, rows, columns, pool);
        pipeline.Run(warmUp, Ctx);
        Assert.True(BatchBuffers.Release(warmUp));
        var input = _generator.Bids(rows, rows, columns, pool);
        var rented = pool.Rented;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var output = pipeline.Run(input, Ctx);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // the computed column is one more array of the input's owner; the rest are the input's columns, passed on
        Assert.Equal(rented + 1, pool.Rented);
        Assert.True(allocated < 8 * 1024, $"allocated {allocated:N0} bytes");
        var plain = _generator.Bids(rows, rows, columns);
        var expected = pipeline.Run(plain, Ctx);
        Assert.False(BatchBuffers.IsPooled(plain));
        Assert.Equal(((DoubleArray)expected.Column("price")).Values.ToArray(), ((DoubleArray)output.Column("price")).Values.ToArray());
        Assert.Equal(((Int64Array)plain.Column("price")).Values.ToArray().Select(p => p * 0.908), ((DoubleArray)output.Column("price")).Values.ToArray());
        Assert.True(BatchBuffers.Release(input));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void APipelineOverAnUnownedBatch_RentsItsComputedColumnFromTheTasksOwner_AndReleaseReturnsOnlyThat()
    {
        // A prebuilt, file or memory source's batch has no owner: the source task's owner takes the computed columns. The
        // read is pruned (no bidder), so the pipeline widens it with a cached all-null stand-in, which must never reach the pool.
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "bidder", "price", "dateTime", "extra"]);
        var pipeline = new SourcePipeline("bids", new LocalRelation([]), columns,
            [new ProjectOperator(new[] { "auction", "price * CAST(0.908 AS DOUBLE) AS price", "dateTime", "extra" }.Select(SqlExpressionParser.ParseNamed).ToList(), columns)],
            new HashSet<string> { "auction", "price", "dateTime", "extra" });
        const int rows = 65_536;
        var warmUp = new BatchBuffers(pool);
        pipeline.Run(_generator.Bids(0, rows, pipeline.ReadSchema), Ctx with { Buffers = warmUp });
        Assert.True(warmUp.ReleaseRented());
        var input = _generator.Bids(rows, rows, pipeline.ReadSchema);
        var task = new BatchBuffers(pool);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var output = pipeline.Run(input, Ctx with { Buffers = task });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(BatchBuffers.IsPooled(input));
        Assert.Equal(2, pool.Rented); // the computed price column, once per run
        Assert.Equal(1, pool.Returned);
        Assert.True(allocated < 8 * 1024, $"allocated {allocated:N0} bytes");
        Assert.Same(input.Column("auction"), output.Column("auction")); // passed on, not copied
        Assert.Equal(((Int64Array)input.Column("price")).Values.ToArray().Select(p => p * 0.908), ((DoubleArray)output.Column("price")).Values.ToArray());
        Assert.True(task.ReleaseRented());
        Assert.False(task.ReleaseRented()); // a second release returns nothing again
        Assert.Equal(pool.Rented, pool.Returned);
        Assert.False(BatchBuffers.Release(input));
    }

    [Fact]
    public void ModuloByAValidConstant_IsRentedFromTheOwner_ByZeroOrMinusOneItIsNot()
    {
        // count-1m's key is (...) % 1000000: every row written, so rented; % 0 is null and % -1 zero without writing the rows.
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["price"]);
        var pipeline = new SourcePipeline("bids", new LocalRelation([]), columns,
            [new ProjectOperator(new[] { "price % 1000 AS m", "price % 0 AS z", "price % -1 AS one" }.Select(SqlExpressionParser.ParseNamed).ToList(), columns)]);
        var input = _generator.Bids(0, 10_000, columns);
        var owner = new BatchBuffers(pool);

        var output = pipeline.Run(input, Ctx with { Buffers = owner });

        Assert.Equal(1, pool.Rented);
        var price = ((Int64Array)input.Column("price")).Values.ToArray();
        Assert.Equal(price.Select(p => p % 1000), ((Int64Array)output.Column("m")).Values.ToArray());
        Assert.Equal(output.Length, output.Column("z").NullCount);
        Assert.All(((Int64Array)output.Column("one")).Values.ToArray(), v => Assert.Equal(0, v));
        Assert.True(owner.ReleaseRented());
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void TheEpochsProcessingTime_IsAColumnRentedFromTheOwner_HoldingTheBatchTimestamp()
    {
        // q12's current_timestamp() is a column of every batch: rented, it goes back with the batch instead of to the GC.
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["bidder"]);
        var pipeline = new SourcePipeline("bids", new LocalRelation([]), columns,
            [new ProjectOperator(new[] { "bidder", "current_timestamp() AS p_time", "current_date() AS p_date" }.Select(SqlExpressionParser.ParseNamed).ToList(), columns)]);
        var input = _generator.Bids(0, 10_000, columns);
        var owner = new BatchBuffers(pool);
        var context = Ctx with { BatchTimestampMicros = 1_700_000_000_123_456, Buffers = owner };

        var output = pipeline.Run(input, context);

        Assert.Equal(2, pool.Rented);
        Assert.All(((TimestampArray)output.Column("p_time")).Values.ToArray(), v => Assert.Equal(1_700_000_000_123_456, v));
        Assert.All(((Date32Array)output.Column("p_date")).Values.ToArray(), v => Assert.Equal(19_675, v));
        Assert.Equal(0, output.Column("p_time").NullCount);
        Assert.True(owner.ReleaseRented());
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void AFiltersPredicateSlices_AreNotRentedFromTheOwner_ItsKeptRowsAreTheOnlyOutput()
    {
        // price * 0.908 in the predicate is computed per 4,096-row slice and dropped at once: rented, each slice's column
        // would be held until the batch is released.
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "price"]);
        var pipeline = new SourcePipeline("bids", new LocalRelation([]), columns,
        [
            new OrleansStream.Engine.Operators.Filter.FilterOperator(SqlExpressionParser.Parse("price * CAST(0.908 AS DOUBLE) > 5000000"), columns),
            new ProjectOperator(new[] { "auction", "price * CAST(0.908 AS DOUBLE) AS euros" }.Select(SqlExpressionParser.ParseNamed).ToList(), columns),
        ]);
        var input = _generator.Bids(0, 50_000, columns);
        var owner = new BatchBuffers(pool);

        var output = pipeline.Run(input, Ctx with { Buffers = owner });

        var price = ((Int64Array)input.Column("price")).Values.ToArray();
        var expected = price.Where(p => p * 0.908 > 5_000_000).Select(p => p * 0.908).ToArray();
        Assert.NotEmpty(expected);
        Assert.True(expected.Length < price.Length);
        Assert.Equal(expected, ((DoubleArray)output.Column("euros")).Values.ToArray());
        Assert.Equal(3, pool.Rented); // the kept rows' two columns and the projection's column, no predicate slice
        Assert.True(owner.ReleaseRented());
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void AFiltersKeptRows_LiveInTheOwnersArrays_WithTheUnpooledValues()
    {
        // About half the rows kept, from a pruned read: every column taken into rented arrays (a string column is offsets and
        // bytes), the unread bidder's all-null stand-in too; the stand-in itself stays the pipeline's, never the pool's.
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "bidder", "price", "extra"]);
        var filter = new OrleansStream.Engine.Operators.Filter.FilterOperator(SqlExpressionParser.Parse("price % 2 = 0"), columns);
        var pipeline = new SourcePipeline("bids", new LocalRelation([]), columns, [filter], new HashSet<string> { "auction", "price", "extra" });
        var input = _generator.Bids(0, 20_000, pipeline.ReadSchema);
        var owner = new BatchBuffers(pool);

        var pooled = pipeline.Run(input, Ctx with { Buffers = owner });
        var plain = pipeline.Run(input, Ctx);

        Assert.InRange(pooled.Length, 5_000, 15_000);
        Assert.Equal(5, pool.Rented); // auction, bidder, price, and extra's offsets and bytes
        foreach (var name in new[] { "auction", "price" })
            Assert.Equal(((Int64Array)plain.Column(name)).Values.ToArray(), ((Int64Array)pooled.Column(name)).Values.ToArray());
        Assert.Equal(Values(plain.Column("extra")), Values(pooled.Column("extra")));
        Assert.Equal(pooled.Length, pooled.Column("bidder").NullCount);
        Assert.True(owner.ReleaseRented());
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void ATakeWithNullRows_IsNotRented_SoNoRentedBytesLieUnderItsNulls()
    {
        var pool = new ArrowBufferPool();
        var owner = new BatchBuffers(pool);
        var column = new Int64Array.Builder().AppendRange([5, 6, 7]).Build();

        var taken = (Int64Array)TakeKernel.Take(column, [2, -1, 0], owner);

        Assert.Equal([7L, null, 5L], Enumerable.Range(0, 3).Select(i => taken.GetValue(i)));
        Assert.Equal(0L, taken.Values[1]);
        Assert.Equal(0, pool.Rented);
    }

    [Fact]
    public void IntegerAddSubtractMultiply_AndModuloByAConstant_RentTheirColumn_DivisionByAColumnDoesNot()
    {
        // + - * write every row, and so do / and % by a valid constant other than 0 and -1; by a column they leave rows
        // unwritten (by zero: null; x % -1: zero), which a rented array would not be.
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "bidder", "price"]);
        var project = new ProjectOperator(new[] { "price + bidder AS a", "price - 3 AS s", "auction * bidder AS m", "price % 7 AS r", "price / (auction % 2) AS d" }
            .Select(SqlExpressionParser.ParseNamed).ToList(), columns);
        var input = _generator.Bids(0, 10_000, columns);
        var owner = new BatchBuffers(pool);

        var pooled = project.Process(input, Ctx with { Buffers = owner });
        var plain = project.Process(input, Ctx);

        Assert.Equal(5, pool.Rented); // the division by a column is fresh
        Assert.True(pooled.Column("d").NullCount > 0); // the division by zero's nulls
        for (var c = 0; c < plain.ColumnCount; c++) Assert.Equal(Values(plain.Column(c)), Values(pooled.Column(c)));
        Assert.True(owner.ReleaseRented());
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void ANumberCastToAnotherNumber_RentsItsColumn_WithTheUnpooledValues()
    {
        var pool = new ArrowBufferPool();
        var columns = NexmarkSchemas.BidColumns(["auction", "price", "extra"]);
        var project = new ProjectOperator(new[] { "CAST(price AS DOUBLE) AS d", "CAST(auction AS INT) AS i", "CAST(extra AS BIGINT) AS s" }
            .Select(SqlExpressionParser.ParseNamed).ToList(), columns);
        var input = _generator.Bids(0, 10_000, columns);
        var owner = new BatchBuffers(pool);

        var pooled = project.Process(input, Ctx with { Buffers = owner });
        var plain = project.Process(input, Ctx);

        Assert.Equal(2, pool.Rented); // the two numeric casts; a string parsed to a number is written as before
        Assert.Equal(((DoubleArray)plain.Column("d")).Values.ToArray(), ((DoubleArray)pooled.Column("d")).Values.ToArray());
        Assert.Equal(((Int32Array)plain.Column("i")).Values.ToArray(), ((Int32Array)pooled.Column("i")).Values.ToArray());
        Assert.Equal(Values(plain.Column("s")), Values(pooled.Column("s")));
        Assert.True(owner.ReleaseRented());
        Assert.Equal(pool.Rented, pool.Returned);
    }

    private static void AssertSameValues(RecordBatch expected, RecordBatch actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Schema.FieldsList.Select(f => f.Name), actual.Schema.FieldsList.Select(f => f.Name));
        for (var c = 0; c < expected.ColumnCount; c++) Assert.Equal(Values(expected.Column(c)), Values(actual.Column(c)));
    }

    private static IEnumerable<object?> Values(IArrowArray array) => array switch
    {
        Int64Array a => Enumerable.Range(0, a.Length).Select(i => (object?)a.GetValue(i)),
        DoubleArray d => Enumerable.Range(0, d.Length).Select(i => (object?)d.GetValue(i)),
        TimestampArray t => t.Values.ToArray().Cast<object?>(),
        StringArray s => Enumerable.Range(0, s.Length).Select(i => (object?)s.GetString(i)),
        _ => throw new NotSupportedException(array.Data.DataType.Name),
    };
}
