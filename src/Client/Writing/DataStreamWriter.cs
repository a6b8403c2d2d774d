using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Client;

/// <summary>Configures and starts a streaming query (Spark's DataStreamWriter). Immutable: every call returns a new writer.</summary>
public sealed class DataStreamWriter
{
    private readonly DataFrame _df;
    private readonly string _format;
    private readonly OutputMode _mode;
    private readonly IReadOnlyDictionary<string, string> _options;
    private readonly string? _name;
    private readonly Trigger _trigger;
    private readonly Func<DataFrame, long, Task>? _foreachBatch;

    internal DataStreamWriter(DataFrame df) : this(df, "parquet", Client.OutputMode.Append, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), null, Client.Trigger.Default, null) { }

    private DataStreamWriter(DataFrame df, string format, OutputMode mode, IReadOnlyDictionary<string, string> options, string? name, Trigger trigger, Func<DataFrame, long, Task>? foreachBatch)
    {
        _df = df;
        _format = format;
        _mode = mode;
        _options = options;
        _name = name;
        _trigger = trigger;
        _foreachBatch = foreachBatch;
    }

    /// <summary>The sink: parquet (the default, as Spark's spark.sql.sources.default), json, csv, text, console, memory, noop.</summary>
    public DataStreamWriter Format(string format) => new(_df, format, _mode, _options, _name, _trigger, _foreachBatch);
    /// <summary>Append (default), Update or Complete.</summary>
    public DataStreamWriter OutputMode(OutputMode mode) => new(_df, _format, mode, _options, _name, _trigger, _foreachBatch);
    /// <summary>"append", "update" or "complete".</summary>
    public DataStreamWriter OutputMode(string mode) => OutputMode(Enum.TryParse<OutputMode>(mode, true, out var m) ? m
        : throw new ArgumentException($"Unknown output mode {mode}. Accepted output modes are 'append', 'complete', 'update'."));
    /// <summary>A sink option: path, checkpointLocation, numRows, truncate, header, ...</summary>
    public DataStreamWriter Option(string key, string value) =>
        new(_df, _format, _mode, new Dictionary<string, string>(_options, StringComparer.OrdinalIgnoreCase) { [key] = value }, _name, _trigger, _foreachBatch);
    /// <summary>The query name; for the memory sink also the table name.</summary>
    public DataStreamWriter QueryName(string name) => new(_df, _format, _mode, _options, ValidName(name), _trigger, _foreachBatch);
    /// <summary>When epochs run.</summary>
    public DataStreamWriter Trigger(Trigger trigger) => new(_df, _format, _mode, _options, _name, trigger, _foreachBatch);
    /// <summary>Calls <paramref name="function"/> with each epoch's output and the epoch id, in the client process.</summary>
    public DataStreamWriter ForeachBatch(Func<DataFrame, long, Task> function) => new(_df, "foreachBatch", _mode, _options, _name, _trigger,
        function ?? throw new ArgumentNullException(nameof(function), "foreachBatch function cannot be null."));

    /// <summary>Starts the query at the path given (file sinks).</summary>
    public Task<StreamingQuery> StartAsync(string path, CancellationToken cancellationToken = default) => Option("path", path).StartAsync(cancellationToken);

    /// <summary>Starts the query; fails with the reason when it cannot run.</summary>
    public async Task<StreamingQuery> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_format.Equals("foreachBatch", StringComparison.OrdinalIgnoreCase) && _foreachBatch is null)
            throw new InvalidOperationException("foreachBatch sink needs a function: call ForeachBatch(...).");
        // Without one, the query runs on a temporary checkpoint; a sink that needs a lasting one (files) refuses it on the silo.
        var location = _options.GetValueOrDefault("checkpointLocation") ?? $"temporary/{Guid.NewGuid():N}";
        var spec = new QuerySpec
        {
            PlanJson = PlanSerializer.Serialize(NumberSources(_df.Plan)),
            SinkFormat = _format,
            OutputMode = _mode.ToString().ToLowerInvariant(),
            Trigger = _trigger.Spec,
            Options = new Dictionary<string, string>(_options, StringComparer.OrdinalIgnoreCase),
            QueryName = _name,
            CheckpointLocation = location,
            Explain = _df.ExplainString(),
        };
        return await StreamingQuery.StartAsync(_df.Session, spec, _foreachBatch, cancellationToken).ConfigureAwait(false);
    }

    // Offsets are checkpointed per source id, so ids must be the same in every process that restarts the query:
    // number the streaming sources by their position in the plan, as Spark does. A source read more than once (a self-union
    // of one DataFrame, or of one memory stream) keeps one number: it is one source, planned and reported once.
    private static LogicalPlan NumberSources(LogicalPlan plan)
    {
        var numbers = new Dictionary<string, string>(StringComparer.Ordinal);
        string Number(string sessionId) => numbers.TryGetValue(sessionId, out var n)
            ? n : numbers[sessionId] = numbers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        LogicalPlan Visit(LogicalPlan node) => node switch
        {
            SourceRelation s when s.IsStreaming => s with { SourceId = Number(s.SourceId) },
            Project p => p with { Child = Visit(p.Child) },
            Filter f => f with { Child = Visit(f.Child) },
            WithColumns w => w with { Child = Visit(w.Child) },
            RenameColumn r => r with { Child = Visit(r.Child) },
            DropColumns d => d with { Child = Visit(d.Child) },
            Union u => u with { Left = Visit(u.Left), Right = Visit(u.Right) },
            OrleansStream.Plan.Logical.Join j => j with { Left = Visit(j.Left), Right = Visit(j.Right) },
            SubqueryAlias a => a with { Child = Visit(a.Child) },
            Aggregate a => a with { Child = Visit(a.Child) },
            EventTimeWatermark w => w with { Child = Visit(w.Child) },
            Deduplicate d => d with { Child = Visit(d.Child) },
            TransformWithState t => t with { Child = Visit(t.Child), InitialState = t.InitialState is null ? null : Visit(t.InitialState) },
            FlatMapGroupsWithState f => f with { Child = Visit(f.Child) },
            _ when node.Children.Count == 0 => node,
            _ => throw new NotSupportedException($"Plan node {node.GetType().Name} is not supported in streaming queries yet."),
        };
        return Visit(plan);
    }

    private static string ValidName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 128 || !name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw new ArgumentException($"Invalid query name '{name}': use 1-128 letters, digits, '_', '-' or '.'.");
        return name;
    }
}
