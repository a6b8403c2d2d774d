using System.Diagnostics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Client;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks;

/// <summary>One query measured two ways in one run: the operators alone over Arrow batches (the baseline), and the
/// whole streaming engine (trigger, write-ahead log, source tasks, sink, commit log) on an embedded silo.</summary>
internal static class StatelessBenchmark
{
    public sealed record Result(string Name, double RowsPerSecond, double P50Ms, double P99Ms);

    private static DataFrame Query(DataFrame rate) => rate
        .Where(Col("value") % 3 != 0)
        .Select(Col("timestamp"), (Col("value") * 2).As("doubled"), (Col("value") + 0.5).As("shifted"));

    public static Result KernelOnly(int rowsPerBatch, int epochs)
    {
        var schema = new Schema.Builder()
            .Field(f => f.Name("timestamp").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(false))
            .Field(f => f.Name("value").DataType(Int64Type.Default).Nullable(false)).Build();
        var source = new SourceRelation("0", "rate-micro-batch", new Dictionary<string, string> { ["rowsPerBatch"] = "1" }, null, true);
        var plan = new Filter(source, new OrleansStream.Plan.Expressions.BinaryExpr(OrleansStream.Plan.Expressions.BinaryOp.NotEqual,
            new OrleansStream.Plan.Expressions.BinaryExpr(OrleansStream.Plan.Expressions.BinaryOp.Modulo, new OrleansStream.Plan.Expressions.ColumnRef("value"), new OrleansStream.Plan.Expressions.Literal(3, "int")),
            new OrleansStream.Plan.Expressions.Literal(0, "int")));
        var projected = new Project(plan, [new OrleansStream.Plan.Expressions.ColumnRef("timestamp"),
            new OrleansStream.Plan.Expressions.Alias(new OrleansStream.Plan.Expressions.BinaryExpr(OrleansStream.Plan.Expressions.BinaryOp.Multiply, new OrleansStream.Plan.Expressions.ColumnRef("value"), new OrleansStream.Plan.Expressions.Literal(2, "int")), "doubled"),
            new OrleansStream.Plan.Expressions.Alias(new OrleansStream.Plan.Expressions.BinaryExpr(OrleansStream.Plan.Expressions.BinaryOp.Add, new OrleansStream.Plan.Expressions.ColumnRef("value"), new OrleansStream.Plan.Expressions.Literal(0.5, "double")), "shifted")]);
        var pipeline = QueryPlanner.Plan(projected, _ => schema).Pipelines[0];
        var times = new List<double>();
        long rows = 0;
        var total = Stopwatch.StartNew();
        for (var e = 0; e < epochs; e++)
        {
            var batch = Generate(schema, e * (long)rowsPerBatch, rowsPerBatch);
            var watch = Stopwatch.StartNew();
            rows += batch.Length;
            pipeline.Run(batch, new EpochContext(e, 0));
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Summarise("operators only (baseline)", rows, times.Sum() / 1000, times);
    }

    public static async Task<Result> StreamingQueryAsync(int rowsPerBatch, int epochs)
    {
        var dir = Path.Combine(Path.GetTempPath(), "os-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir });
        var rate = session.ReadStream.Format("rate-micro-batch").Option("rowsPerBatch", rowsPerBatch).Load();
        var query = await Query(rate).WriteStream.Format("noop").StartAsync();
        while (query.RecentProgress.Count < epochs + 2 && query.IsActive) await Task.Delay(100);
        await query.StopAsync();
        // The first two epochs warm up the JIT and the grains.
        var progress = query.RecentProgress.Skip(2).Take(epochs).ToList();
        var times = progress.Select(p => (double)p.DurationMs["triggerExecution"]).ToList();
        Directory.Delete(dir, true);
        return Summarise("streaming query (grains, WAL, commit)", progress.Sum(p => p.NumInputRows), times.Sum() / 1000, times);
    }

    private static RecordBatch Generate(Schema schema, long first, int count)
    {
        var ts = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
        var values = new Int64Array.Builder();
        for (var i = 0; i < count; i++)
        {
            ts.Append(DateTimeOffset.UnixEpoch);
            values.Append(first + i);
        }
        return new RecordBatch(schema, [ts.Build(), values.Build()], count);
    }

    internal static Result Summarise(string name, long rows, double seconds, List<double> times)
    {
        times.Sort();
        double Percentile(double p) => times.Count == 0 ? 0 : times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
        return new Result(name, rows / Math.Max(seconds, 1e-9), Percentile(0.5), Percentile(0.99));
    }
}
