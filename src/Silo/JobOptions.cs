using System.Globalization;

namespace OrleansStream.Silo;

/// <summary>Command-line options of the main job.</summary>
internal sealed class JobOptions
{
    public string DataDirectory { get; private set; } = Path.Combine(Environment.CurrentDirectory, "orleansstream-data");
    public int Epochs { get; private set; } = 5;
    public bool Generate { get; private set; } = true;
    public bool UntilIdle { get; private set; }
    public string Sink { get; private set; } = "console";
    public long MaxFilesPerTrigger { get; private set; } = 10;
    public string Interval { get; private set; } = "1 second";
    public bool Windowed { get; private set; }
    public bool Joined { get; private set; }
    public bool RunningTotals { get; private set; }
    /// <summary>With --redis: the Redis server whose streams the job reads instead of the input folder.</summary>
    public string? Redis { get; private set; }
    public string Streams { get; private set; } = "demo:events";
    public long? MaxEntriesPerTrigger { get; private set; }
    public bool Stateful { get; private set; }
    /// <summary>With --ingest: the generator writes the events through the SDK's durable ingest, which the query reads.</summary>
    public bool Ingest { get; private set; }
    public volatile bool StopGenerating;

    public static JobOptions Parse(IReadOnlyList<string> args)
    {
        var o = new JobOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option '{args[i]}' needs a value.");
            switch (args[i])
            {
                case "--data": o.DataDirectory = Path.GetFullPath(Value()); break;
                case "--epochs": o.Epochs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--no-generate": o.Generate = false; break;
                case "--until-idle": o.UntilIdle = true; break;
                case "--sink": o.Sink = Value(); break;
                case "--max-files-per-trigger": o.MaxFilesPerTrigger = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--interval": o.Interval = Value(); break;
                case "--windowed": o.Windowed = true; break;
                case "--joined": o.Joined = true; break;
                case "--running-totals": o.RunningTotals = true; break;
                case "--redis": o.Redis = Value(); break;
                case "--streams": o.Streams = Value(); break;
                case "--max-entries-per-trigger": o.MaxEntriesPerTrigger = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--stateful": o.Stateful = true; break;
                case "--ingest": o.Ingest = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --data DIR, --epochs N, --no-generate, --until-idle, --sink console|json|csv|parquet, --max-files-per-trigger N, --interval \"1 second\", --windowed (per-user counts in 10-second event-time windows, Append mode, watermark 5 seconds), --joined (each view with the same user's buys of the 10 seconds after it, or alone once none can come: a stream-stream left outer join), --running-totals (each user's running count and amount, flatMapGroupsWithState in Append mode), --redis HOST (read the events from Redis streams instead of files), --streams KEYS (with --redis; default demo:events), --max-entries-per-trigger N (with --redis), --stateful (a running count per user and a row when a user goes quiet: transformWithState with an event-time timer), --ingest (write the events through session.Ingest(\"demo-events\") and read them back with Format(\"ingest\")).");
            }
        }
        if ((o.Windowed ? 1 : 0) + (o.Joined ? 1 : 0) + (o.RunningTotals ? 1 : 0) + (o.Stateful ? 1 : 0) > 1)
            throw new ArgumentException("Options '--windowed', '--joined', '--running-totals' and '--stateful' cannot be combined: choose one query.");
        if (o.Ingest && o.Redis is not null)
            throw new ArgumentException("Options '--ingest' and '--redis' cannot be combined: choose one source.");
        return o;
    }
}
