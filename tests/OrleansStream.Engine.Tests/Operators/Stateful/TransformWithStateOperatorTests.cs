using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Client;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Stateful;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.Tests.Operators.Stateful;

/// <summary>
/// The transformWithState operator on its own: state values in their versioned encoding, and timers firing once whatever
/// the state store replays.
/// </summary>
public sealed class TransformWithStateOperatorTests
{
    private static readonly Schema Input = new([new Field("key", StringType.Default, false), new Field("amount", new Decimal128Type(10, 2), true)], null);
    private static readonly Schema Output = new([new Field("key", StringType.Default, false), new Field("text", StringType.Default, true)], null);

    /// <summary>The first version of a processor's state record.</summary>
    public sealed record TotalV1(decimal Total, DateTime Last);

    /// <summary>The same record with a field added.</summary>
    public sealed record TotalV2(decimal Total, DateTime Last, string? Note);

    private sealed class TotalsV1 : StatefulProcessor
    {
        private IValueState<TotalV1> _total = null!;

        public override void Init(StatefulProcessorHandle handle) => _total = handle.GetValueState<TotalV1>("total");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var total = (_total.Get()?.Total ?? 0) + rows.Sum(r => r.Get<decimal>("amount"));
            _total.Update(new TotalV1(total, DateTimeOffset.FromUnixTimeMilliseconds(timerValues.GetCurrentProcessingTimeInMs()).UtcDateTime));
            return [];
        }
    }

    private sealed class TotalsV2 : StatefulProcessor
    {
        private IValueState<TotalV2> _total = null!;

        public override void Init(StatefulProcessorHandle handle) => _total = handle.GetValueState<TotalV2>("total");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var old = _total.Get()!;
            return [new Row([key[0], $"{old.Total}|{old.Last:O}|{old.Note ?? "null"}"], ["key", "text"])];
        }
    }

    /// <summary>Registers a processing-time timer at 5 s for every key it sees; a firing timer emits "fired".</summary>
    private sealed class TimerAtFive : StatefulProcessor
    {
        private StatefulProcessorHandle _handle = null!;

        public override void Init(StatefulProcessorHandle handle) => _handle = handle;

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            _handle.RegisterTimer(5000);
            return [];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo) =>
            [new Row([key[0], $"fired {expiredTimerInfo.GetExpiryTimeInMs()} at {timerValues.GetCurrentProcessingTimeInMs()}"], ["key", "text"])];
    }

    private static TransformWithStateOperator Operator(StatefulProcessor processor) =>
        new(Input, [0], Output, processor, Client.TimeMode.ProcessingTime, eventTimeColumn: null);

    private static KeyedInput[] Rows(params (string Key, decimal Amount)[] rows)
    {
        var keys = new StringArray.Builder();
        var amounts = new Decimal128Array.Builder(new Decimal128Type(10, 2));
        foreach (var (key, amount) in rows)
        {
            keys.Append(key);
            amounts.Append(amount);
        }
        return [new KeyedInput(0, new RecordBatch(Input, [keys.Build(), amounts.Build()], rows.Length))];
    }

    private static StatefulContext At(long batchId, long ms) => new(batchId, null, null) { BatchTimestampMicros = ms * 1000 };

    private static string[] Texts(RecordBatch batch) => Row.FromBatch(batch).Select(r => $"{r[0]}:{r[1]}").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void StateRecord_GainingANullableField_ReadsTheValuesWrittenBefore()
    {
        var v1 = Operator(new TotalsV1());
        v1.Process(Rows(("a", 1.25m), ("a", 2.50m), ("b", 10m)), At(0, 1_500));
        var checkpoint = v1.Snapshot();

        var v2 = Operator(new TotalsV2());
        v2.Apply(checkpoint);
        var output = v2.Process(Rows(("a", 0m), ("b", 0m)), At(1, 2_000));

        Assert.Equal(["a:3.75|1970-01-01T00:00:01.5000000Z|null", "b:10.00|1970-01-01T00:00:01.5000000Z|null"], Texts(output));
    }

    [Fact]
    public void ProcessingTimeTimer_FiresOnceAtTheBatchTimestamp_AndTheDeltaRemovesIt()
    {
        var op = Operator(new TimerAtFive());
        op.Process(Rows(("a", 1m)), At(0, 1_000));
        var registered = op.Delta();
        op.MarkClean();
        Assert.Equal(5_000, op.Metrics.NextProcessingTimerMs);

        Assert.Empty(Texts(op.Process([], At(1, 4_999))));
        Assert.Equal(["a:fired 5000 at 5000"], Texts(op.Process([], At(2, 5_000))));
        Assert.Null(op.Metrics.NextProcessingTimerMs);
        var fired = op.Delta();
        op.MarkClean();
        Assert.Empty(Texts(op.Process([], At(3, 9_000))));

        // Recovery replays the versions: the timer's registration, then its removal in the epoch it fired in.
        var recovered = Operator(new TimerAtFive());
        recovered.Apply(registered);
        recovered.Apply(fired);
        Assert.Empty(Texts(recovered.Process([], At(3, 9_000))));
        // Recovered before it fired, it fires in the re-run epoch.
        var rerun = Operator(new TimerAtFive());
        rerun.Apply(registered);
        Assert.Equal(["a:fired 5000 at 5000"], Texts(rerun.Process([], At(2, 5_000))));
    }

    [Fact]
    public void Timers_AreRefusedWithoutATimeMode()
    {
        var op = new TransformWithStateOperator(Input, [0], Output, new TimerAtFive(), Client.TimeMode.None, eventTimeColumn: null);
        var e = Assert.Throws<StatefulProcessorException>(() => op.Process(Rows(("a", 1m)), At(0, 1_000)));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("invalid timeMode", e.Message);
        Assert.Contains("handleInputRows", e.Message);
    }

    /// <summary>Keeps the last amount per key with a time to live of 10 s and emits what it held before each row.</summary>
    private sealed class LastWithTtl : StatefulProcessor
    {
        private IValueState<decimal> _last = null!;

        public override void Init(StatefulProcessorHandle handle) => _last = handle.GetValueState<decimal>("last", new TtlConfig(TimeSpan.FromSeconds(10)));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var held = _last.Exists() ? _last.Get().ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
            _last.Update(rows.Last().Get<decimal>("amount"));
            return [new Row([key[0], held], ["key", "text"])];
        }
    }

    // Spark's TTL rule: a value written at batch timestamp t with a time to live d expires once a batch timestamp reaches t + d.
    [Fact]
    public void ValueTtl_ExpiresWhenTheBatchTimestampReachesWriteTimePlusTtl()
    {
        var op = Operator(new LastWithTtl());
        Assert.Equal(["a:none"], Texts(op.Process(Rows(("a", 1m)), At(0, 1_000))));
        Assert.Equal(["a:1.00"], Texts(op.Process(Rows(("a", 2m)), At(1, 10_999)))); // written again: expires at 20 999
        Assert.Equal(["a:2.00"], Texts(op.Process(Rows(("a", 3m)), At(2, 20_998))));
        Assert.Equal(["a:none"], Texts(op.Process(Rows(("a", 4m)), At(3, 30_998)))); // 20 998 + 10 000 reached
        Assert.Equal(1, op.Metrics.NumRowsRemoved);
    }
}
