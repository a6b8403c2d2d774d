using System.Diagnostics;
using OrleansStream.Benchmarks;

// dotnet run -c Release --project tests/Benchmarks -- [rowsPerBatch] [epochs]
var rowsPerBatch = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var epochs = args.Length > 1 ? int.Parse(args[1]) : 30;
Console.WriteLine($"Projection + filter, rate-micro-batch source, {rowsPerBatch:N0} rows per epoch, {epochs} epochs, noop sink");
var kernel = StatelessBenchmark.KernelOnly(rowsPerBatch, epochs);
var engine = await StatelessBenchmark.StreamingQueryAsync(rowsPerBatch, epochs);
Console.WriteLine($"{"run",-34} {"rows/s",14} {"epoch p50 ms",13} {"epoch p99 ms",13}");
foreach (var r in new[] { kernel, engine })
    Console.WriteLine($"{r.Name,-34} {r.RowsPerSecond,14:N0} {r.P50Ms,13:F1} {r.P99Ms,13:F1}");
Console.WriteLine($"streaming query / kernel-only baseline = {engine.RowsPerSecond / kernel.RowsPerSecond:P1}");
