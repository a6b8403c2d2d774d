using OrleansStream.Benchmarks;
using OrleansStream.Benchmarks.Micro;
using OrleansStream.Benchmarks.Nexmark;

// dotnet run -c Release --project tests/Benchmarks -- nexmark [--events N] [--rate EV_PER_S] [--queries q0,q1,...] [--out DIR]
// dotnet run -c Release --project tests/Benchmarks -- nexmark-report DIR
// dotnet run -c Release --project tests/Benchmarks -- nexmark-generate --out DIR [--events N] [--format parquet|json]
// dotnet run -c Release --project tests/Benchmarks -- micro [filter]
// dotnet run -c Release --project tests/Benchmarks -- live [--seconds S] [--rates 1000,100000]
// dotnet run -c Release --project tests/Benchmarks -- overload [--rows-per-second N] [--seconds S] [--max-rows-per-trigger N]
// dotnet run -c Release --project tests/Benchmarks -- ingest [--batch-sizes 1,100,10000] [--writers N] [--partitions N] [--seconds S]
// dotnet run -c Release --project tests/Benchmarks -- [rowsPerBatch] [epochs] [stateful]
switch (args.FirstOrDefault())
{
    case "nexmark":
        return await NexmarkSuite.RunAsync(args[1..]);
    case "nexmark-report": // results.md again from a run's results.json
        return await NexmarkSuite.RenderAsync(args.Length > 1 ? args[1] : Path.Combine("tests", "Benchmarks", "results"));
    case "nexmark-generate":
        return NexmarkGenerateCommand.Run(args[1..]);
    case "nexmark-engine": // one query's engine runs, in a child process of the suite
        return await EngineRunner.MainAsync(args[1]);
    case "micro":
        return MicroSuite.Run(args[1..]);
    case "overload":
        return await OverloadBenchmark.RunAsync(args[1..]);
    case "ingest":
        return await IngestBenchmark.RunAsync(args[1..]);
    case "live":
        return await LiveBenchmark.RunAsync(args[1..]);
}

var rowsPerBatch = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var epochs = args.Length > 1 ? int.Parse(args[1]) : 30;
var stateful = args.Length > 2 && args[2] == "stateful";
Console.WriteLine($"Projection + filter, rate-micro-batch source, {rowsPerBatch:N0} rows per epoch, {epochs} epochs, noop sink");
var kernel = StatelessBenchmark.KernelOnly(rowsPerBatch, epochs);
var engine = await StatelessBenchmark.StreamingQueryAsync(rowsPerBatch, epochs);
var results = new List<StatelessBenchmark.Result> { kernel, engine };
if (stateful) results.Add(await StatefulBenchmark.WindowedCountAsync(rowsPerBatch, epochs, 1_000_000));
Console.WriteLine($"{"run",-40} {"rows/s",14} {"epoch p50 ms",13} {"epoch p99 ms",13}");
foreach (var r in results)
    Console.WriteLine($"{r.Name,-40} {r.RowsPerSecond,14:N0} {r.P50Ms,13:F1} {r.P99Ms,13:F1}");
Console.WriteLine($"streaming query / kernel-only baseline = {engine.RowsPerSecond / kernel.RowsPerSecond:P1}");
if (stateful)
{
    Console.WriteLine($"windowed count / stateless streaming query = {results[2].RowsPerSecond / engine.RowsPerSecond:P1}");
    await StatefulBenchmark.CheckpointBytesAsync(1_000_000, 12);
}
return 0;
