using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Client;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Stateful;

namespace OrleansStream.Engine.Tests.Operators.Stateful;

/// <summary>
/// transformWithState with an <see cref="AsyncStatefulProcessor"/>: keys handled concurrently up to the bound, each key's
/// state its own across awaits that resume on other threads, the output in key order whatever order the handlers complete
/// in (so a re-run epoch writes the same rows), a failing handler named with its key, and the token cancelled on release.
/// </summary>
public sealed class AsyncTransformWithStateOperatorTests
{
    private static readonly Schema Input = new([new Field("key", StringType.Default, false), new Field("n", Int64Type.Default, false)], null);
    private static readonly Schema Output = new([new Field("key", StringType.Default, false), new Field("total", Int64Type.Default, false)], null);

    /// <summary>
    /// A running total per key, read before and written after a real delay (a service call) that resumes on the thread
    /// pool; later keys wait less, so they complete first. Counts the calls in flight.
    /// </summary>
    private sealed class SlowTotals(int maxKeysInFlight) : AsyncStatefulProcessor
    {
        private IValueState<long> _total = null!;
        private int _inFlight;
        private int _maxInFlight;

        public override int MaxKeysInFlight => maxKeysInFlight;

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public override void Init(StatefulProcessorHandle handle) => _total = handle.GetValueState<long>("total");

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            for (var seen = Volatile.Read(ref _maxInFlight); now > seen; seen = Volatile.Read(ref _maxInFlight))
                Interlocked.CompareExchange(ref _maxInFlight, now, seen);
            var total = _total.Get();
            foreach (var row in rows)
            {
                await Task.Delay(Delay(key), cancellationToken).ConfigureAwait(false);
                total += row.Get<long>("n");
                _total.Update(total);
            }
            Interlocked.Decrement(ref _inFlight);
            yield return new Row([key[0], _total.Get()], ["key", "total"]);
        }

        private static int Delay(Row key) => 5 + (99 - int.Parse(((string)key[0]!)[1..], System.Globalization.CultureInfo.InvariantCulture)) % 20;
    }

    /// <summary>Fails on key "k13" after an await.</summary>
    private sealed class FailsOnOneKey : AsyncStatefulProcessor
    {
        public override void Init(StatefulProcessorHandle handle) { }

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(10, cancellationToken);
            if ((string)key[0]! == "k13") throw new HttpRequestException("enrichment service answered 503");
            yield return new Row([key[0], 0L], ["key", "total"]);
        }
    }

    /// <summary>Waits for its token (a call that never answers).</summary>
    private sealed class Hangs : AsyncStatefulProcessor
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Init(StatefulProcessorHandle handle) { }

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
    }

    /// <summary>Registers an event-time timer per key at its row's n (ms) after an await; a firing timer emits (key, time) after another.</summary>
    private sealed class EventTimers : AsyncStatefulProcessor
    {
        private StatefulProcessorHandle _handle = null!;

        public override void Init(StatefulProcessorHandle handle) => _handle = handle;

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var row in rows)
            {
                await Task.Yield();
                _handle.RegisterTimer(row.Get<long>("n"));
            }
            yield break;
        }

        public override async IAsyncEnumerable<Row> HandleExpiredTimerAsync(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay((int)(30 - expiredTimerInfo.GetExpiryTimeInMs() % 30), cancellationToken).ConfigureAwait(false);
            yield return new Row([key[0], expiredTimerInfo.GetExpiryTimeInMs()], ["key", "total"]);
        }
    }

    private static AsyncTransformWithStateOperator Operator(AsyncStatefulProcessor processor, Client.TimeMode timeMode = Client.TimeMode.None) =>
        new(Input, [0], Output, processor, timeMode, eventTimeColumn: null);

    private static KeyedInput[] Rows(params (string Key, long N)[] rows)
    {
        var keys = new StringArray.Builder();
        var ns = new Int64Array.Builder();
        foreach (var (key, n) in rows)
        {
            keys.Append(key);
            ns.Append(n);
        }
        return [new KeyedInput(0, new RecordBatch(Input, [keys.Build(), ns.Build()], rows.Length))];
    }

    // 40 keys k10..k49, two rows each, in an order that is not the key order.
    private static KeyedInput[] ManyKeys(long n) =>
        Rows(Enumerable.Range(0, 80).Select(i => ($"k{10 + (i * 7) % 40}", n + i / 40)).ToArray());

    private static StatefulContext At(long batchId) => new(batchId, null, null) { BatchTimestampMicros = 1_000_000 };

    private static string[] Texts(RecordBatch batch) => Row.FromBatch(batch).Select(r => $"{r[0]}:{r[1]}").ToArray();

    [Fact]
    public async Task KeysRunConcurrently_UpToTheBound_EachKeyWithItsOwnState()
    {
        var processor = new SlowTotals(maxKeysInFlight: 4);
        var op = Operator(processor);

        var first = Texts(await op.ProcessAsync(ManyKeys(1), At(0)));
        var second = Texts(await op.ProcessAsync(ManyKeys(10), At(1)));

        Assert.InRange(processor.MaxInFlight, 2, 4);
        // Each key summed its own rows across both epochs (1 + 2, then + 10 + 11), though the handlers overlapped and resumed on pool threads.
        Assert.Equal(Enumerable.Range(10, 40).Select(k => $"k{k}:3").ToArray(), first);
        Assert.Equal(Enumerable.Range(10, 40).Select(k => $"k{k}:24").ToArray(), second);
        Assert.Equal(40, op.Metrics.NumRowsTotal);
    }

    [Fact]
    public async Task Output_IsInKeyOrder_WhateverOrderHandlersComplete_AndAReRunWritesTheSameRows()
    {
        var op = Operator(new SlowTotals(maxKeysInFlight: 16));
        await op.ProcessAsync(ManyKeys(1), At(0));
        var version0 = op.Snapshot();
        var run = Texts(await op.ProcessAsync(ManyKeys(10), At(1)));

        // The epoch re-run on the recovered version (another instance, other timings) writes the same rows in the same order.
        var replay = Operator(new SlowTotals(maxKeysInFlight: 3));
        replay.Apply(version0);
        var rerun = Texts(await replay.ProcessAsync(ManyKeys(10), At(1)));

        Assert.Equal(run, rerun);
        Assert.Equal(run.Order(StringComparer.Ordinal), run);
    }

    [Fact]
    public async Task EventTimeTimers_FireInTimeOrder_AcrossConcurrentKeys()
    {
        var op = Operator(new EventTimers(), Client.TimeMode.EventTime);
        await op.ProcessAsync(Rows(("b", 20), ("a", 25), ("c", 5), ("a", 7), ("b", 40)), At(0));

        var fired = Texts(await op.ProcessAsync([], new StatefulContext(1, 30_000, 30_000) { BatchTimestampMicros = 1_000_000 }));

        Assert.Equal(["c:5", "a:7", "b:20", "a:25"], fired);
        Assert.Equal(1, op.Metrics.CustomMetrics["numRegisteredTimers"]);
    }

    [Fact]
    public async Task AFailingHandler_FailsTheEpoch_NamingTheProcessorAndTheKey()
    {
        var op = Operator(new FailsOnOneKey());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await op.ProcessAsync(ManyKeys(1), At(0)));

        Assert.Contains(typeof(FailsOnOneKey).FullName!, e.Message);
        Assert.Contains("key [k13]", e.Message);
        Assert.Contains("enrichment service answered 503", e.Message);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public async Task ReleasingTheOperator_CancelsTheHandlersToken()
    {
        var processor = new Hangs();
        var op = Operator(processor);
        var epoch = op.ProcessAsync(Rows(("a", 1)), At(0)).AsTask();
        await processor.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        op.Dispose();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => epoch.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);
    }

    [Fact]
    public void AKeyBoundBelowOne_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Operator(new SlowTotals(maxKeysInFlight: 0)));
        Assert.Contains("MaxKeysInFlight = 0", e.Message);
    }
}
