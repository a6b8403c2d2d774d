using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Sql;
using OrleansStream.Engine.Tests.Data;
using OrleansStream.Plan.Types;
using Xunit;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Planning;

public class ColumnPruningTests
{
    private static Expr[] Sel(params string[] s) => s.Select(SqlExpressionParser.ParseNamed).ToArray();
    private static Expr Sql(string s) => SqlExpressionParser.ParseNamed(s);

    private static string[] ReadColumns(LogicalPlan plan, string leafId = "0") =>
        QueryPlanner.Plan(plan, AnalyzerTests.SchemaOf).Pipelines.First(p => p.LeafId == leafId).ReadSchema.FieldsList.Select(f => f.Name).ToArray();

    [Fact]
    public void Filter_and_select_read_only_their_columns()
    {
        var plan = new Project(new Filter(AnalyzerTests.Events, Sql("a % 2 = 0")), Sel("upper(b) AS b"));
        Assert.Equal(["a", "b"], ReadColumns(plan));
        var p = QueryPlanner.Plan(plan, AnalyzerTests.SchemaOf).Pipelines[0];
        Assert.True(p.IsPruned);
        Assert.Equal(4, p.InputSchema.FieldsList.Count);

        // A pruned read (only a and b) and a whole read give the same rows.
        var pruned = p.Run(new RecordBatch(p.ReadSchema, [Ints(1, 2, 4), Strs("x", "y", null)], 3), Ctx);
        Assert.Equal(new object?[] { "Y", null }, Values(pruned.Column(0)));
        var payload = Eval("from_json('{}', 'x INT, tags ARRAY<STRING>')", Batch(("z", Ints(0, 0, 0))));
        var whole = p.Run(new RecordBatch(p.InputSchema, [Ints(1, 2, 4), Strs("x", "y", null), payload, Timestamps(1, 2, 3)], 3), Ctx);
        Assert.Equal(new object?[] { "Y", null }, Values(whole.Column(0)));
    }

    [Fact]
    public void Star_struct_fields_and_generators_keep_what_they_read()
    {
        Assert.False(QueryPlanner.Plan(new Project(AnalyzerTests.Events, Sel("*")), AnalyzerTests.SchemaOf).Pipelines[0].IsPruned);
        Assert.Equal(["payload"], ReadColumns(new Project(AnalyzerTests.Events, Sel("payload.x"))));
        // The explode decides the number of rows even when its column is dropped later.
        Assert.Equal(["a", "payload"], ReadColumns(new Project(new Project(AnalyzerTests.Events, Sel("a", "explode(payload.tags) AS tag")), Sel("a"))));
        // Only the needed outputs of an inner projection count; withColumn and rename pass the others through.
        var chain = new Project(new RenameColumn(new WithColumns(new Project(AnalyzerTests.Events, Sel("a", "b", "ts")), ["c"], [Sql("a + 1")]), "b", "bee"), Sel("c", "bee"));
        Assert.Equal(["a", "b"], ReadColumns(chain));
        // The root's columns are the result: a plain source keeps all of them.
        Assert.False(QueryPlanner.Plan(AnalyzerTests.Events, AnalyzerTests.SchemaOf).Pipelines[0].IsPruned);
    }

    [Fact]
    public void Windowed_aggregation_reads_its_keys_values_and_watermark()
    {
        var watermarked = new EventTimeWatermark(AnalyzerTests.Events, "ts", "10 seconds");
        var counts = new Aggregate(watermarked, [Sql("window(ts, '5 seconds')")], [Sql("window(ts, '5 seconds')"), Sql("count(*) AS n")]);
        Assert.Equal(["ts"], ReadColumns(counts));
        var max = new Aggregate(watermarked, [Sql("window(ts, '5 seconds')")], [Sql("window(ts, '5 seconds')"), Sql("max(a) AS top")]);
        Assert.Equal(["a", "ts"], ReadColumns(max));
        // count(*) over no key reads no column; the first is still read so that batches keep their row count.
        Assert.Equal(["a"], ReadColumns(new Aggregate(AnalyzerTests.Events, [], [Sql("count(*) AS n")])));
    }

    [Fact]
    public void Deduplication_of_all_columns_reads_all_columns()
    {
        Assert.False(QueryPlanner.Plan(new Project(new Deduplicate(AnalyzerTests.Events, [], false), Sel("a")), AnalyzerTests.SchemaOf).Pipelines[0].IsPruned);
        // As Spark, deduplication keeps whole rows (its state stores them), even with keys.
        Assert.False(QueryPlanner.Plan(new Project(new Deduplicate(AnalyzerTests.Events, ["a"], false), Sel("a")), AnalyzerTests.SchemaOf).Pipelines[0].IsPruned);
    }

    [Fact]
    public void Union_prunes_each_side_by_position()
    {
        var left = new Project(AnalyzerTests.Events, Sel("CAST(a AS BIGINT) AS id", "b", "CAST(a AS DOUBLE) AS v"));
        var union = new Project(new Filter(new Union(left, AnalyzerTests.Other), Sql("v > 0")), Sel("b"));
        Assert.Equal(["a", "b"], ReadColumns(union, "0"));
        Assert.Equal(["d", "e"], ReadColumns(union, "1"));
        var phys = QueryPlanner.Plan(union, AnalyzerTests.SchemaOf);
        var right = phys.Pipelines.Single(p => p.LeafId == "1");
        var rows = right.Run(new RecordBatch(right.ReadSchema, [Strs("p", "q"), Doubles(1.5, -1)], 2), Ctx);
        Assert.Equal(new object?[] { "p" }, Values(rows.Column(0)));
    }

    [Fact]
    public void Parquet_file_of_seven_columns_read_for_two_returns_the_right_rows()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "bids.parquet");
        var schema = DataTypes.ParseSchema("auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING");
        var n = 1000;
        var all = Enumerable.Range(0, n).ToArray();
        var batch = new RecordBatch(schema,
        [
            Longs(all.Select(i => (long?)i).ToArray()), Longs(all.Select(i => (long?)(i * 7)).ToArray()), Longs(all.Select(i => (long?)(i * 10)).ToArray()),
            Strs(all.Select(i => (string?)$"c{i}").ToArray()), Strs(all.Select(i => (string?)$"u{i}").ToArray()),
            Timestamps(all.Select(i => (long?)i).ToArray()), Strs(all.Select(_ => (string?)"x").ToArray()),
        ], n);
        ParquetFormat.Write(path, [batch], schema);

        var source = new SourceRelation("0", "parquet", new Dictionary<string, string> { ["path"] = path }, DataTypes.ToDdl(schema), false);
        var plan = new Project(new Filter(source, Sql("auction % 123 = 0")), Sel("auction", "price"));
        var phys = QueryPlanner.Plan(plan, _ => schema);
        var pipeline = Assert.Single(phys.Pipelines);
        Assert.Equal(["auction", "price"], pipeline.ReadSchema.FieldsList.Select(f => f.Name));
        // The file source reads a parquet file with the pipeline's ReadSchema: only those column chunks are decoded.
        var read = FileFormats.Get("parquet").Read(path, pipeline.ReadSchema, ReaderOptions.Default);
        Assert.Equal(2, read.ColumnCount);
        var result = BatchExecutor.Run(phys, _ => [read], EpochContext.ForBatch(DateTimeOffset.UnixEpoch));
        Assert.Equal(all.Where(i => i % 123 == 0).Select(i => (object?)(long)i), Values(result.Column(0)));
        Assert.Equal(all.Where(i => i % 123 == 0).Select(i => (object?)(long)(i * 10)), Values(result.Column(1)));
    }

    [Fact]
    public void Json_malformed_rows_are_still_reported_when_the_query_reads_fewer_columns()
    {
        using var dir = new TempDir();
        // Line 2 is malformed only in "n", a column the query does not read.
        var path = dir.File("m.json", "{\"id\":1,\"n\":10}\n{\"id\":2,\"n\":\"abc\"}\n{\"id\":3,\"n\":30}\n");
        var schema = DataTypes.ParseSchema("id INT, n INT, _corrupt_record STRING");
        var source = new SourceRelation("0", "json", new Dictionary<string, string> { ["path"] = path }, DataTypes.ToDdl(schema), false);
        var phys = QueryPlanner.Plan(new Project(source, Sel("id")), _ => schema);
        var pipeline = Assert.Single(phys.Pipelines);
        Assert.Equal(["id"], pipeline.ReadSchema.FieldsList.Select(f => f.Name));

        // JSON reads every declared column (see FileReading.ColumnsToRead): a malformed row stays malformed.
        var permissive = JsonLinesReader.Read(path, pipeline.InputSchema, new ReaderOptions(new Dictionary<string, string> { ["mode"] = "PERMISSIVE" }));
        var rows = BatchExecutor.Run(phys, _ => [permissive], EpochContext.ForBatch(DateTimeOffset.UnixEpoch));
        Assert.Equal(new object?[] { 1, null, 3 }, Values(rows.Column(0)));
        Assert.Throws<MalformedRecordException>(() =>
            JsonLinesReader.Read(path, pipeline.InputSchema, new ReaderOptions(new Dictionary<string, string> { ["mode"] = "FAILFAST" })));

        // A query that reads the corrupt-record column reads it.
        var corrupt = QueryPlanner.Plan(new Project(new Filter(source, Sql("_corrupt_record IS NOT NULL")), Sel("id")), _ => schema).Pipelines[0];
        Assert.Equal(["id", "_corrupt_record"], corrupt.ReadSchema.FieldsList.Select(f => f.Name));
    }
}
