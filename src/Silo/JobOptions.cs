using System.CommandLine;

namespace OrleansStream.Silo;

/// <summary>Command-line options of the main job.</summary>
internal sealed class JobOptions
{
    public string DataDirectory { get; init; } = Path.Combine(Environment.CurrentDirectory, "orleansstream-data");
    public int Epochs { get; init; } = 5;
    public bool Generate { get; init; } = true;
    public bool UntilIdle { get; init; }
    public string Sink { get; init; } = "console";
    public long MaxFilesPerTrigger { get; init; } = 10;
    public string Interval { get; init; } = "1 second";
    public bool AvailableNow { get; init; }
    public bool Windowed { get; init; }
    public bool Joined { get; init; }
    public bool RunningTotals { get; init; }
    /// <summary>With --redis: the Redis server whose streams the job reads instead of the input folder.</summary>
    public string? Redis { get; init; }
    public string Streams { get; init; } = "demo:events";
    public long? MaxEntriesPerTrigger { get; init; }
    /// <summary>With --stateful: a running count per user in a transformWithState processor (main's DemoJob reads it).</summary>
    public bool Stateful { get; init; }
    /// <summary>With --ingest: the generator writes the events through the SDK's durable ingest, which the query reads.</summary>
    public bool Ingest { get; init; }
    public volatile bool StopGenerating;

    /// <summary>The `job` command's options, each bound to this type's property of the same meaning.</summary>
    internal sealed class Command
    {
        private readonly Option<string> _data = new("--data") { Description = "Where the job keeps its input, output and checkpoints (default ./orleansstream-data).", HelpName = "DIR" };
        private readonly Option<int> _epochs = new("--epochs") { Description = "Stop after this many epochs.", DefaultValueFactory = _ => 5, HelpName = "N" };
        private readonly Option<bool> _noGenerate = new("--no-generate") { Description = "Do not write new event files (or Redis entries, or ingest writes) while running." };
        private readonly Option<bool> _untilIdle = new("--until-idle") { Description = "Stop once every available input is processed, instead of after --epochs." };
        private readonly Option<string> _sink = new("--sink") { Description = "The sink format: console, json, csv or parquet.", DefaultValueFactory = _ => "console" };
        private readonly Option<long> _maxFiles = new("--max-files-per-trigger") { Description = "Files read per epoch at most.", DefaultValueFactory = _ => 10, HelpName = "N" };
        private readonly Option<string> _interval = new("--interval") { Description = "The processing-time trigger interval, e.g. \"1 second\".", DefaultValueFactory = _ => "1 second" };
        private readonly Option<bool> _availableNow = new("--available-now") { Description = "Trigger.AvailableNow instead of --interval: read what is there at start, in epochs of --max-files-per-trigger, then stop (the generator then writes one round of events for the next run)." };
        private readonly Option<bool> _windowed = new("--windowed") { Description = "Per-user counts in 10-second event-time windows (Append mode, watermark 5 seconds)." };
        private readonly Option<bool> _joined = new("--joined") { Description = "Each view with the same user's buys of the 10 seconds after it, or alone once none can come (a stream-stream left outer join)." };
        private readonly Option<bool> _runningTotals = new("--running-totals") { Description = "Each user's running count and amount (flatMapGroupsWithState, Append mode)." };
        private readonly Option<string?> _redis = new("--redis") { Description = "Read the events from Redis streams on this server instead of files.", HelpName = "HOST" };
        private readonly Option<string> _streams = new("--streams") { Description = "With --redis: the stream keys, comma-separated.", DefaultValueFactory = _ => "demo:events", HelpName = "KEYS" };
        private readonly Option<bool> _stateful = new("--stateful") { Description = "A running count per user and a row when a user goes quiet (transformWithState with an event-time timer)." };
        private readonly Option<bool> _ingest = new("--ingest") { Description = "Write the events through session.Ingest(\"demo-events\") (two partitions, each acknowledged write printed) and read them back with Format(\"ingest\")." };
        private readonly Option<long?> _maxEntries = new("--max-entries-per-trigger") { Description = "With --redis: entries read per epoch at most.", HelpName = "N" };

        /// <summary>Every option, for the command that takes them.</summary>
        public IEnumerable<Option> All => [_data, _epochs, _noGenerate, _untilIdle, _sink, _maxFiles, _interval, _availableNow, _windowed, _joined, _runningTotals, _redis, _streams, _maxEntries, _stateful, _ingest];

        /// <summary>The options a parse result holds.</summary>
        /// <exception cref="ArgumentException">Options that cannot be combined were given together.</exception>
        public JobOptions Bind(ParseResult parse)
        {
            var o = new JobOptions
            {
                DataDirectory = parse.GetValue(_data) is { } data ? Path.GetFullPath(data) : Path.Combine(Environment.CurrentDirectory, "orleansstream-data"),
                Epochs = parse.GetValue(_epochs),
                Generate = !parse.GetValue(_noGenerate),
                UntilIdle = parse.GetValue(_untilIdle),
                Sink = parse.GetValue(_sink)!,
                MaxFilesPerTrigger = parse.GetValue(_maxFiles),
                Interval = parse.GetValue(_interval)!,
                AvailableNow = parse.GetValue(_availableNow),
                Windowed = parse.GetValue(_windowed),
                Joined = parse.GetValue(_joined),
                RunningTotals = parse.GetValue(_runningTotals),
                Redis = parse.GetValue(_redis),
                Streams = parse.GetValue(_streams)!,
                MaxEntriesPerTrigger = parse.GetValue(_maxEntries),
                Stateful = parse.GetValue(_stateful),
                Ingest = parse.GetValue(_ingest),
            };
            if ((o.Windowed ? 1 : 0) + (o.Joined ? 1 : 0) + (o.RunningTotals ? 1 : 0) + (o.Stateful ? 1 : 0) > 1)
                throw new ArgumentException("Options '--windowed', '--joined', '--running-totals' and '--stateful' cannot be combined: choose one query.");
            if (o.Ingest && o.Redis is not null)
                throw new ArgumentException("Options '--ingest' and '--redis' cannot be combined: choose one source.");
            return o;
        }
    }
}
