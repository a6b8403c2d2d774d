using System.Globalization;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// <c>-- nexmark-generate [--events N] [--rate R] [--seed S] [--format parquet|json] [--per-file N] --out DIR</c>: writes the
/// first N Nexmark events as three tables (DIR/bids, DIR/persons, DIR/auctions) that a file source can replay, e.g.
/// <c>session.ReadStream.Format("parquet").Schema(NexmarkSchemas.BidDdl).Option("maxFilesPerTrigger", 4).Load("DIR/bids")</c>.
/// </summary>
public static class NexmarkGenerateCommand
{
    /// <summary>Runs the command.</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        long events = 1_000_000, rate = 10_000, seed = 42;
        var perFile = 50_000;
        var format = "parquet";
        string? output = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--events": events = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--rate": rate = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--per-file": perFile = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--format": format = Value(); break;
                case "--out": output = Value(); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        if (output is null) throw new ArgumentException("nexmark-generate needs --out DIR.");
        var generator = new NexmarkGenerator(new NexmarkConfig(seed, rate));
        // Events 0..N-1 hold this many of each kind: kind follows n % 50.
        long Count(Func<long, long> eventNumber)
        {
            long lo = 0, hi = events;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (eventNumber(mid) < events) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
        var bids = NexmarkFiles.WriteBids(generator, Path.Combine(output, "bids"), format, 0, Count(NexmarkGenerator.BidEventNumber), perFile);
        var persons = NexmarkFiles.WritePersons(generator, Path.Combine(output, "persons"), format, 0, Count(NexmarkGenerator.PersonEventNumber), perFile);
        var auctions = NexmarkFiles.WriteAuctions(generator, Path.Combine(output, "auctions"), format, 0, Count(NexmarkGenerator.AuctionEventNumber), perFile);
        Console.WriteLine($"{events:N0} events at {rate:N0} ev/s event time, seed {seed}: {bids.Count} bid, {persons.Count} person and {auctions.Count} auction {format} files in {Path.GetFullPath(output)}");
        return 0;
    }
}
