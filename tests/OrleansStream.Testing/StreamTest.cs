using System.Globalization;
using System.Text;
using OrleansStream.Plan;
using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Testing;

/// <summary>How <see cref="StreamTestExtensions.TestStream"/> runs its query (a memory sink; everything else optional).</summary>
public sealed record StreamTestOptions
{
    /// <summary>The query name, which is also the memory sink's table (default: a unique name).</summary>
    public string? QueryName { get; init; }

    /// <summary>The checkpoint location every StartStream resumes from (default: a unique folder under the data directory).</summary>
    public string? CheckpointLocation { get; init; }

    /// <summary>Writer options of every start (e.g. numStatePartitions); StartStream may add or override some.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>The trigger (default: as soon as the previous epoch finished).</summary>
    public Trigger? Trigger { get; init; }

    /// <summary>The session's clock (the FakeTimeProvider given as StreamSessionOptions.TimeProvider), for AdvanceClock.</summary>
    public FakeTimeProvider? Clock { get; init; }

    /// <summary>How result rows are rendered for CheckAnswer and CheckNewAnswer with strings (default <see cref="Scenario.Plain"/>).</summary>
    public Func<IReadOnlyList<Row>, string[]> Render { get; init; } = Scenario.Plain;

    /// <summary>How long one step may wait for the query (processAllAvailable, termination).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Spark's <c>testStream(df, outputMode)(actions*)</c> on a <see cref="StreamSession"/>.</summary>
public static class StreamTestExtensions
{
    /// <summary>A test of <paramref name="df"/> written to a memory sink in <paramref name="mode"/>; run it with <see cref="StreamTest.Run"/>.</summary>
    public static StreamTest TestStream(this StreamSession session, DataFrame df, OutputMode mode = OutputMode.Append, StreamTestOptions? options = null) =>
        new(session, df, mode, options ?? new StreamTestOptions());
}

/// <summary>
/// Runs a streaming query step by step, as Spark's StreamTest does: the query starts before the first step (unless that is
/// a StartStream), each step acts on it or checks its memory sink, and it is stopped at the end. A failing step fails the
/// test with the step's index, the steps around it, the expected and actual rows and the query's last progress.
/// </summary>
public sealed class StreamTest
{
    private readonly List<string> _seen = [];
    private StreamAction[] _steps = [];
    private int _current;
    private long _entriesAdded;
    private Trigger? _trigger;
    private int _stateRowsChecked;
    private string[]? _expected;
    private string[]? _actual;

    internal StreamTest(StreamSession session, DataFrame df, OutputMode mode, StreamTestOptions options)
    {
        Session = session;
        Frame = df;
        Mode = mode;
        Options = options;
        var id = Guid.NewGuid().ToString("N")[..12];
        QueryName = options.QueryName ?? "stream_test_" + id;
        CheckpointLocation = options.CheckpointLocation ?? "stream-test-" + id;
    }

    internal StreamSession Session { get; }
    internal DataFrame Frame { get; }
    internal OutputMode Mode { get; }
    internal StreamTestOptions Options { get; }
    internal string QueryName { get; }
    internal string CheckpointLocation { get; }

    /// <summary>The query of the current run (null before the first start).</summary>
    public StreamingQuery? Query { get; private set; }

    /// <summary>Runs <paramref name="steps"/> in order; throws <see cref="StreamTestFailure"/> at the first that fails.</summary>
    public async Task Run(params StreamAction[] steps)
    {
        _steps = steps.Length > 0 && steps[0] is StartStreamAction ? steps : [new StartStreamAction(null, null, true), .. steps];
        try
        {
            for (_current = 0; _current < _steps.Length; _current++)
            {
                _expected = _actual = null;
                try
                {
                    await _steps[_current].ExecuteAsync(this).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not StreamTestFailure)
                {
                    throw new StreamTestFailure(Report(e is StepFailed ? e.Message : $"{e.GetType().Name}: {e.Message}"), e is StepFailed ? null : e);
                }
            }
        }
        finally
        {
            if (Query is { IsActive: true } query)
            {
                try { await query.StopAsync().ConfigureAwait(false); }
                catch (Exception) { /* the test's outcome is already decided */ }
            }
        }
    }

    internal async Task StartAsync(Trigger? trigger, IReadOnlyDictionary<string, string>? options)
    {
        if (Query is { IsActive: true }) Fail("StartStream: the query is already running (StopStream first).");
        var writer = Frame.WriteStream.Format("memory").OutputMode(Mode).QueryName(QueryName).Option("checkpointLocation", CheckpointLocation);
        foreach (var (key, value) in Options.Options) writer = writer.Option(key, value);
        foreach (var (key, value) in options ?? new Dictionary<string, string>()) writer = writer.Option(key, value);
        _trigger = trigger ?? Options.Trigger;
        if (_trigger is { } t) writer = writer.Trigger(t);
        using var timeout = new CancellationTokenSource(Options.StepTimeout);
        Query = await writer.StartAsync(timeout.Token).ConfigureAwait(false);
        _stateRowsChecked = 0;
    }

    internal async Task CheckStateRowsAsync(StateRowCounts expected)
    {
        var query = RunningOrLast;
        if (query.IsActive) await ProcessAllAvailableAsync(query).ConfigureAwait(false);
        var progress = query.RecentProgress;
        var actual = StateRowCounts.Of(progress, _stateRowsChecked);
        _stateRowsChecked = progress.Count;
        if (!actual.Total.SequenceEqual(expected.Total) || !actual.Updated.SequenceEqual(expected.Updated) || !actual.Dropped.SequenceEqual(expected.Dropped))
            Fail($"State rows differ: expected {expected}, actual {actual}.");
    }

    internal async Task StopAsync()
    {
        if (Query is not { IsActive: true } query) return;
        using var timeout = new CancellationTokenSource(Options.StepTimeout);
        await query.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    internal async Task CheckAsync(string[] expected, bool onlyNew, Func<IReadOnlyList<Row>, string[]> render)
    {
        _expected = [.. expected.Order(StringComparer.Ordinal)];
        if (Query is { IsActive: true } query)
        {
            if (_trigger is null || ReferenceEquals(_trigger, Trigger.Default)) await ProcessAllAvailableAsync(query).ConfigureAwait(false);
            else await AwaitRowsAddedAsync(query).ConfigureAwait(false);
        }
        var all = render(await TableAsync().ConfigureAwait(false));
        var previous = _seen.ToList();
        _seen.Clear();
        _seen.AddRange(all);
        // Append and Update add rows to the sink's table; Complete replaces it each epoch, so its new answer is the table.
        _actual = [.. (onlyNew && Mode != OutputMode.Complete ? Except(all, previous) : (IEnumerable<string>)all).Order(StringComparer.Ordinal)];
        if (!_expected.SequenceEqual(_actual, StringComparer.Ordinal))
            Fail(onlyNew ? "The rows added since the last check differ from the expected rows." : "The result table differs from the expected rows.");
    }

    internal async Task AddDataAsync(Func<StreamSession, Task> add, int entries)
    {
        await add(Session).ConfigureAwait(false);
        _entriesAdded += entries;
    }

    private async Task ProcessAllAvailableAsync(StreamingQuery query)
    {
        using var timeout = new CancellationTokenSource(Options.StepTimeout);
        try
        {
            await query.ProcessAllAvailableAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Fail($"processAllAvailable did not return within {Options.StepTimeout.TotalSeconds:0} s.");
        }
    }

    // Under a processing-time trigger processAllAvailable waits for a round that finds nothing new, which a fake clock only
    // starts when the test advances it again. As Spark's processAllAvailable does, wait instead until the sources' committed
    // offsets cover what AddData added (a memory stream's offset counts its AddData calls, as Spark's MemoryStream does).
    private async Task AwaitRowsAddedAsync(StreamingQuery query)
    {
        var deadline = DateTime.UtcNow + Options.StepTimeout;
        while (Committed(query.LastProgress) < _entriesAdded)
        {
            if (!query.IsActive) return;
            if (DateTime.UtcNow > deadline)
                Fail($"The query did not process the {_entriesAdded} AddData entries within {Options.StepTimeout.TotalSeconds:0} s (under trigger {_trigger}: advance the clock?).");
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static long Committed(StreamingQueryProgress? progress) =>
        progress?.Sources.Sum(s => s.EndOffset is { ValueKind: System.Text.Json.JsonValueKind.Number } o ? o.GetInt64() : 0) ?? 0;

    internal async Task ExpectFailureAsync(Type type, string? messageContains)
    {
        if (Query is null) Fail("ExpectFailure: the query was never started.");
        Exception? error = null;
        var terminated = false;
        try
        {
            terminated = await Query!.AwaitTerminationAsync(Options.StepTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }
        if (error is null)
            Fail(terminated ? "The query stopped without an error." : $"The query did not terminate within {Options.StepTimeout.TotalSeconds:0} s.");
        if (!type.IsInstanceOfType(error) && !type.IsInstanceOfType(error!.InnerException))
            Fail($"The query failed with {error!.GetType().Name}, not {type.Name}: {error.Message}");
        if (messageContains is not null && !error!.Message.Contains(messageContains, StringComparison.Ordinal))
            Fail($"The query's error does not contain \"{messageContains}\": {error.Message}");
    }

    // Spark's AdvanceManualClock first waits until the stream waits on the clock. The status tells only whether an epoch
    // is running: wait until none is, and a moment more for the trigger to start waiting for its next interval.
    internal async Task AdvanceClockAsync(TimeSpan by)
    {
        if (Options.Clock is not { } clock)
        {
            Fail("AdvanceClock needs the session's FakeTimeProvider as StreamTestOptions.Clock (and as StreamSessionOptions.TimeProvider).");
            return;
        }
        if (Query is { IsActive: true } query && _trigger is { } trigger && !ReferenceEquals(trigger, Trigger.Default))
        {
            // Spark's AdvanceManualClock: advance only while the trigger waits at the current time (its round for this time
            // is over), then wait until it waits again at the new time, so that the rounds the advance made due (new data,
            // or timers alone) have run before the next step looks.
            await AwaitTriggerWaitingAsync(query, clock.GetUtcNow(), "before the clock moved").ConfigureAwait(false);
            clock.Advance(by);
            await AwaitTriggerWaitingAsync(query, clock.GetUtcNow(), $"after the clock moved by {by}").ConfigureAwait(false);
            return;
        }
        if (Query is { IsActive: true } running)
        {
            var deadline = DateTime.UtcNow + Options.StepTimeout;
            while ((await running.GetStatusAsync().ConfigureAwait(false)) is { IsActive: true, IsTriggerActive: true })
            {
                if (DateTime.UtcNow > deadline) Fail($"The query's epoch did not finish within {Options.StepTimeout.TotalSeconds:0} s.");
                await Task.Delay(20).ConfigureAwait(false);
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        clock.Advance(by);
    }

    private async Task AwaitTriggerWaitingAsync(StreamingQuery query, DateTimeOffset now, string when)
    {
        var deadline = DateTime.UtcNow + Options.StepTimeout;
        while (await query.GetStatusAsync().ConfigureAwait(false) is { IsActive: true } status && !(status.TriggerWaitingAt >= now))
        {
            if (DateTime.UtcNow > deadline) Fail($"The trigger did not come to wait at {now:O} on the query's clock {when} within {Options.StepTimeout.TotalSeconds:0} s.");
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    internal StreamingQuery RunningOrLast => Query ?? throw new StepFailed("The query was never started.");

    internal static void Fail(string message) => throw new StepFailed(message);

    private async Task<IReadOnlyList<Row>> TableAsync()
    {
        try
        {
            return await Session.Table(QueryName).CollectAsync().ConfigureAwait(false);
        }
        catch (AnalysisException)
        {
            return []; // no epoch has written the sink yet: its table does not exist
        }
    }

    private static List<string> Except(IEnumerable<string> all, IEnumerable<string> previous)
    {
        var left = previous.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var row in all)
        {
            if (left.TryGetValue(row, out var n) && n > 0) left[row] = n - 1;
            else added.Add(row);
        }
        return added;
    }

    // Spark's testStream failure: what failed, expected and actual answers (rows only on one side marked with !), every
    // step with the failing one marked, the stream's state and its last progress.
    private string Report(string reason)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"StreamTest failed at step {_current}: {_steps[_current]}\n{reason}\n");
        if (_expected is not null && _actual is not null)
        {
            Rows(text, "Expected", _expected, _actual);
            Rows(text, "Actual", _actual, _expected);
        }
        text.Append("\n== Steps ==\n");
        for (var i = 0; i < _steps.Length; i++)
            text.Append(CultureInfo.InvariantCulture, $"{(i == _current ? "=>" : "  ")} {i}: {_steps[i]}\n");
        text.Append("\n== Stream ==\n");
        text.Append(CultureInfo.InvariantCulture, $"Output mode: {Mode}; memory table: {QueryName}; checkpoint: {CheckpointLocation}\n");
        text.Append(Query switch
        {
            null => "Not started\n",
            { IsActive: true } q => $"Active: {q}\n",
            { Exception: { } e } q => $"Terminated: {q}\nwith {e.Message}\n",
            var q => $"Stopped: {q}\n",
        });
        text.Append("\n== Last progress ==\n").Append(Query?.LastProgress?.ToString() ?? "none").Append('\n');
        return text.ToString();
    }

    private static void Rows(StringBuilder text, string title, string[] rows, string[] other)
    {
        text.Append(CultureInfo.InvariantCulture, $"\n== {title} ({rows.Length} rows) ==\n");
        var left = other.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var matched = left.TryGetValue(row, out var n) && n > 0;
            if (matched) left[row] = n - 1;
            text.Append(matched ? "  " : "! ").Append(row).Append('\n');
        }
    }

    private sealed class StepFailed(string message) : Exception(message);
}

/// <summary>A failed <see cref="StreamTest"/> step: the message is the whole report.</summary>
public sealed class StreamTestFailure(string message, Exception? inner) : Xunit.Sdk.XunitException(message, inner);

/// <summary>One step of a <see cref="StreamTest"/>; build them with <see cref="StreamSteps"/>.</summary>
public abstract class StreamAction
{
    internal abstract Task ExecuteAsync(StreamTest test);
}

internal sealed class AddDataAction(Func<StreamSession, Task> add, int entries, string text) : StreamAction
{
    internal override Task ExecuteAsync(StreamTest test) => test.AddDataAsync(add, entries);
    public override string ToString() => text;
}

internal sealed class CheckAction(string[] expected, bool onlyNew, Func<IReadOnlyList<Row>, string[]>? render, string text) : StreamAction
{
    internal override Task ExecuteAsync(StreamTest test) => test.CheckAsync(expected, onlyNew, render ?? test.Options.Render);
    public override string ToString() => text;
}

internal sealed class StartStreamAction(Trigger? trigger, IReadOnlyDictionary<string, string>? options, bool isImplicit = false) : StreamAction
{
    private Trigger? Trigger => trigger;
    private IReadOnlyDictionary<string, string>? Options => options;

    internal override Task ExecuteAsync(StreamTest test) => test.StartAsync(Trigger, Options);

    public override string ToString()
    {
        var args = new List<string>();
        if (Trigger is not null) args.Add($"trigger: {Trigger}");
        if (Options is { Count: > 0 }) args.Add(string.Join(", ", Options.Select(o => $"{o.Key}={o.Value}")));
        return $"StartStream({string.Join(", ", args)}){(isImplicit ? " (before the first step)" : "")}";
    }
}

internal sealed class StopStreamAction : StreamAction
{
    internal override Task ExecuteAsync(StreamTest test) => test.StopAsync();
    public override string ToString() => "StopStream";
}

internal sealed class AdvanceClockAction(TimeSpan by) : StreamAction
{
    internal override Task ExecuteAsync(StreamTest test) => test.AdvanceClockAsync(by);

    public override string ToString() => $"AdvanceClock({by})";
}

internal sealed class ExpectFailureAction(Type type, string? messageContains) : StreamAction
{
    internal override Task ExecuteAsync(StreamTest test) => test.ExpectFailureAsync(type, messageContains);
    public override string ToString() => $"ExpectFailure<{type.Name}>({(messageContains is null ? "" : $"\"{messageContains}\"")})";
}

internal sealed class StateRowsAction(StateRowCounts expected) : StreamAction
{
    internal override Task ExecuteAsync(StreamTest test) => test.CheckStateRowsAsync(expected);
    public override string ToString() => $"AssertNumStateRows({expected})";
}

internal sealed class AssertOnQueryAction(Func<StreamingQuery, Task<bool>> check, string description) : StreamAction
{
    internal override async Task ExecuteAsync(StreamTest test)
    {
        if (!await check(test.RunningOrLast).ConfigureAwait(false)) StreamTest.Fail($"AssertOnQuery failed: {description}");
    }

    public override string ToString() => $"AssertOnQuery({description})";
}

/// <summary>The steps of Spark's testStream: <c>using static OrleansStream.Testing.StreamSteps;</c>.</summary>
public static class StreamSteps
{
    /// <summary>Adds <paramref name="rows"/> to <paramref name="input"/> (one append: they land in one epoch).</summary>
    public static StreamAction AddData<T>(MemoryStream<T> input, params T[] rows) =>
        new AddDataAction(_ => input.AddDataAsync(rows), 1, $"AddData({Name(input.StreamId)}: {List(rows)})");

    /// <summary>Adds rows to two memory streams in one append, so that both land in the same epoch (Spark's MultiAddData).</summary>
    public static StreamAction AddData<T1, T2>(MemoryStream<T1> first, T1[] firstRows, MemoryStream<T2> second, T2[] secondRows) =>
        new AddDataAction(session => session.AddDataAsync(first.Rows(firstRows), second.Rows(secondRows)), 2,
            $"AddData({Name(first.StreamId)}: {List(firstRows)}; {Name(second.StreamId)}: {List(secondRows)})");

    /// <summary>After processAllAvailable, the whole memory table is exactly <paramref name="rows"/> (any order), rendered by the test's Render.</summary>
    public static StreamAction CheckAnswer(params string[] rows) => new CheckAction(rows, onlyNew: false, null, $"CheckAnswer({List(rows)})");

    /// <summary>After processAllAvailable, the memory table is empty.</summary>
    public static StreamAction CheckAnswer() => CheckAnswer(Array.Empty<string>());

    /// <summary>As <see cref="CheckAnswer(string[])"/>, with each row given as its values (compared as <see cref="Scenario.Values"/> renders them).</summary>
    public static StreamAction CheckAnswer(params object?[][] rows) =>
        new CheckAction(Plain(rows), onlyNew: false, Scenario.Plain, $"CheckAnswer({List(Plain(rows))})");

    /// <summary>After processAllAvailable, the rows added to the memory table since the last check are exactly <paramref name="rows"/> (any order).</summary>
    public static StreamAction CheckNewAnswer(params string[] rows) => new CheckAction(rows, onlyNew: true, null, $"CheckNewAnswer({List(rows)})");

    /// <summary>After processAllAvailable, no rows were added since the last check.</summary>
    public static StreamAction CheckNewAnswer() => CheckNewAnswer(Array.Empty<string>());

    /// <summary>As <see cref="CheckNewAnswer(string[])"/>, with each row given as its values.</summary>
    public static StreamAction CheckNewAnswer(params object?[][] rows) =>
        new CheckAction(Plain(rows), onlyNew: true, Scenario.Plain, $"CheckNewAnswer({List(Plain(rows))})");

    /// <summary>Stops the query after its running epoch.</summary>
    public static StreamAction StopStream { get; } = new StopStreamAction();

    /// <summary>Starts the query again from the same checkpoint, optionally with another trigger or more writer options.</summary>
    public static StreamAction StartStream(Trigger? trigger = null, IReadOnlyDictionary<string, string>? options = null) => new StartStreamAction(trigger, options);

    /// <summary>Moves the session's fake clock (StreamTestOptions.Clock) forward; due timers fire.</summary>
    public static StreamAction AdvanceClock(TimeSpan by) => new AdvanceClockAction(by);

    /// <summary>The query terminates with a <typeparamref name="T"/> (or one wrapping it) whose message contains <paramref name="messageContains"/>.</summary>
    public static StreamAction ExpectFailure<T>(string? messageContains = null) where T : Exception => new ExpectFailureAction(typeof(T), messageContains);

    /// <summary>The query terminates with an error whose message contains <paramref name="messageContains"/>.</summary>
    public static StreamAction ExpectFailure(string? messageContains = null) => ExpectFailure<Exception>(messageContains);

    /// <summary>Spark's assertNumStateRows (StateStoreMetricsTest) for one stateful operator: after processAllAvailable,
    /// numRowsTotal of the last progress, and numRowsUpdated and numRowsDroppedByWatermark summed since the last such check
    /// (or the query's start).</summary>
    public static StreamAction AssertNumStateRows(long total, long updated, long droppedByWatermark = 0) =>
        new StateRowsAction(new StateRowCounts([total], [updated], [droppedByWatermark]));

    /// <summary>Spark's assertNumStateRows for several stateful operators, each array in Spark's order (nearest the sink first).</summary>
    public static StreamAction AssertNumStateRows(long[] total, long[] updated, long[]? droppedByWatermark = null) =>
        new StateRowsAction(new StateRowCounts(total, updated, droppedByWatermark ?? new long[total.Length]));

    /// <summary><paramref name="check"/> holds for the query (e.g. its last progress), as of the last check.</summary>
    public static StreamAction AssertOnQuery(Func<StreamingQuery, bool> check, string description) =>
        new AssertOnQueryAction(q => Task.FromResult(check(q)), description);

    /// <summary>Runs assertions on the query; any exception fails the step.</summary>
    public static StreamAction AssertOnQuery(Action<StreamingQuery> check, string description) =>
        new AssertOnQueryAction(q => { check(q); return Task.FromResult(true); }, description);

    /// <summary>Runs <paramref name="action"/> with the query (Spark's Execute).</summary>
    public static StreamAction Execute(Func<StreamingQuery, Task> action, string description) =>
        new AssertOnQueryAction(async q => { await action(q).ConfigureAwait(false); return true; }, description);

    private static string[] Plain(object?[][] rows) => [.. rows.Select(r => Scenario.Values(r))];

    private static string Name(string streamId) => "memory#" + streamId[..6];

    private static string List<T>(IEnumerable<T> values) => string.Join(", ", values.Select(v => v switch
    {
        null => "null",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    }));
}
