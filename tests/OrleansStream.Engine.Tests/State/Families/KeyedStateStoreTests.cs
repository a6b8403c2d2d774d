using System.Text;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State.Families;

public sealed class KeyedStateStoreTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private const long MinuteMicros = 60_000_000;

    private static KeyedStateStore NewStore() => new(Schema("user string, region int"));

    private static StateKey K(KeyedStateStore store, string user, int region = 1) => store.Key(Columns(Batch("user string, region int", [user, region]), 0, 1), 0);

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[]? b) => b is null ? "null" : Encoding.UTF8.GetString(b);

    private static StateKey E(string s) => new(B(s));

    // A restart: the snapshot and deltas through IPC into a store declaring the same families.
    private static KeyedStateStore Restore(Func<KeyedStateStore, KeyedStateStore> declare, params Apache.Arrow.RecordBatch[] batches)
    {
        var store = declare(NewStore());
        foreach (var batch in batches) store.Apply(ThroughIpc(batch));
        return store;
    }

    [Fact]
    public void ValueState_UpdateGetClear_AndTheDeltaListsExactlyTheChangedKeys()
    {
        var store = NewStore();
        var counts = store.GetValueState("count");
        var (a, b) = (K(store, "a"), K(store, "b"));
        counts.Update(a, B("1"));
        counts.Update(b, B("2"));
        Assert.Equal("1", S(counts.Get(a)));
        Assert.Same(counts, store.GetValueState("count"));
        Assert.Equal("__family string NOT NULL, __deleted boolean NOT NULL, user string, region int, __entry binary, __value binary, __expiry bigint",
            DataTypes.ToDdl(store.StateSchema));
        var snapshot = store.Snapshot();
        store.MarkClean();
        Assert.Equal(0, store.Delta().Length);

        counts.Update(a, B("3"));
        Assert.True(counts.Clear(b));
        Assert.False(counts.Clear(b));
        var delta = store.Delta();
        Assert.Equal(["count | false | a | 1 | null | 33 | null", "count | true | b | 1 | null | null | null"], Rows(delta).Select(Print).Order(StringComparer.Ordinal));

        var restored = Restore(s => { s.GetValueState("count"); return s; }, snapshot, delta);
        var values = restored.GetValueState("count");
        Assert.Equal("3", S(values.Get(K(restored, "a"))));
        Assert.False(values.Exists(K(restored, "b")));
        Assert.Equal(1, values.KeyCount);
    }

    [Fact]
    public void ListState_AppendPutClear_RoundTripsWithItemsInOrder()
    {
        var store = NewStore();
        var events = store.GetListState("events");
        var a = K(store, "a", 2);
        events.Append(a, B("x"));
        events.AppendList(a, [B("y"), B(""), B("日本")]);
        Assert.Equal(["x", "y", "", "日本"], events.Get(a).Select(S));
        var snapshot = store.Snapshot();
        store.MarkClean();
        var b = K(store, "b");
        events.Put(b, [B("only")]);
        events.Append(a, B("z"));
        var delta1 = store.Delta();
        store.MarkClean();
        events.Put(b, []);
        var delta2 = store.Delta();
        Assert.False(events.Exists(b));
        Assert.Empty(events.Get(b));

        var restored = Restore(s => { s.GetListState("events"); return s; }, snapshot, delta1, delta2);
        Assert.Equal(["x", "y", "", "日本", "z"], restored.GetListState("events").Get(K(restored, "a", 2)).Select(S));
        Assert.False(restored.GetListState("events").Exists(K(restored, "b")));
    }

    [Fact]
    public void MapState_PutRemoveClear_KeepsEntriesInKeyOrderAndDeltasOnlyTheChangedEntries()
    {
        var store = NewStore();
        var map = store.GetMapState("byItem");
        var a = K(store, "a");
        map.Put(a, E("pear"), B("2"));
        map.Put(a, E("apple"), B("1"));
        map.Put(a, E("fig"), B("3"));
        Assert.Equal(["apple=1", "fig=3", "pear=2"], map.Entries(a).Select(e => S(e.Entry.Bytes.ToArray()) + "=" + S(e.Value)));
        var snapshot = store.Snapshot();
        store.MarkClean();
        map.Put(a, E("fig"), B("4"));
        Assert.True(map.Remove(a, E("pear")));
        Assert.False(map.Remove(a, E("pear")));
        var b = K(store, "b");
        map.Put(b, E("k"), B("v"));
        var delta = store.Delta();
        Assert.Equal(3, delta.Length);
        store.MarkClean();
        map.Clear(b);
        var clear = store.Delta();
        Assert.Equal(["byItem | true | b | 1 | 6B | null | null"], Rows(clear).Select(Print));

        var restored = Restore(s => { s.GetMapState("byItem"); return s; }, snapshot, delta, clear);
        var m = restored.GetMapState("byItem");
        Assert.Equal(["apple=1", "fig=4"], m.Entries(K(restored, "a")).Select(e => S(e.Entry.Bytes.ToArray()) + "=" + S(e.Value)));
        Assert.True(m.ContainsKey(K(restored, "a"), E("apple")));
        Assert.Null(m.Get(K(restored, "b"), E("k")));
        Assert.Equal(1, m.KeyCount);
    }

    [Fact]
    public void Timers_FireInTimeOrderPerMode_OnceEach_AndSurviveARestart()
    {
        var store = NewStore();
        var (a, b, c) = (K(store, "a"), K(store, "b"), K(store, "c"));
        var timers = store.Timers;
        Assert.True(timers.Register(b, TimeMode.EventTime, 300));
        Assert.True(timers.Register(a, TimeMode.EventTime, 100));
        Assert.True(timers.Register(c, TimeMode.EventTime, 100));
        Assert.False(timers.Register(c, TimeMode.EventTime, 100));
        Assert.True(timers.Register(a, TimeMode.ProcessingTime, 50));
        Assert.True(timers.Register(a, TimeMode.EventTime, 200));
        Assert.Equal([100L, 200L], timers.List(a, TimeMode.EventTime));
        Assert.Equal([50L], timers.List(a, TimeMode.ProcessingTime));
        Assert.Equal(100L, timers.NextTime(TimeMode.EventTime));
        Assert.True(timers.Delete(b, TimeMode.EventTime, 300));
        Assert.False(timers.Delete(b, TimeMode.EventTime, 300));
        var snapshot = store.Snapshot();
        store.MarkClean();

        // The watermark reaches 150: the event-time timers at 100 fire, in key order; the processing-time one does not.
        var fired = timers.TakeExpired(TimeMode.EventTime, 150);
        Assert.Equal([(a, 100L), (c, 100L)], fired);
        Assert.Empty(timers.TakeExpired(TimeMode.EventTime, 150));
        Assert.Equal(2, timers.Count);
        timers.Register(b, TimeMode.ProcessingTime, 10);
        var delta = store.Delta();

        var restored = Restore(s => s, snapshot, delta);
        var (ra, rb) = (K(restored, "a"), K(restored, "b"));
        Assert.Equal([(rb, 10L), (ra, 50L)], restored.Timers.TakeExpired(TimeMode.ProcessingTime, long.MaxValue));
        Assert.Equal([(ra, 200L)], restored.Timers.TakeExpired(TimeMode.EventTime, 1000));
        Assert.Null(restored.Timers.NextTime(TimeMode.EventTime));
        Assert.Equal(0, restored.Timers.KeyCount);
    }

    // A detached delta writes its columns into the arrays of the one before (longer, holding its bytes): each delta still
    // holds exactly the rows, nulls, deletions and bytes that Delta() builds from the same changes.
    [Fact]
    public void DetachedDeltas_BuiltOneAfterAnother_EqualTheDeltaOfTheSameChanges()
    {
        var (built, detached) = (NewStore(), NewStore());
        var stores = new[] { built, detached };
        foreach (var (round, keys) in new[] { (0, 300), (1, 40), (2, 120) })
        {
            foreach (var store in stores)
            {
                store.BatchTimestampMicros = round * MinuteMicros;
                var values = store.GetValueState("v", Minute);
                var lists = store.GetListState("l");
                for (var i = 0; i < keys; i++)
                {
                    var key = K(store, $"user-{i}", i % 3);
                    if ((i + round) % 4 == 0) values.Clear(key);
                    else values.Update(key, B(new string('x', (i * 7 + round) % 50)));
                    if (i % 5 == round) lists.Append(key, B($"{round}"));
                    if ((i + round) % 6 == 0) lists.Clear(key);
                    if (i % 2 == 0) store.Timers.Register(key, TimeMode.EventTime, round * 100 + i);
                    if (round > 0 && i % 3 == 0) store.Timers.Delete(key, TimeMode.EventTime, (round - 1) * 100 + i);
                }
            }
            var expected = built.Delta();
            built.MarkClean();
            using var delta = detached.DetachDelta();
            Assert.Equal(expected.Length, delta.Length);
            var actual = delta.Build();
            Assert.Equal(Rows(expected).Select(Print), Rows(actual).Select(Print));
            Assert.Equal(Rows(expected).Select(Print), Rows(ThroughIpc(actual)).Select(Print));
            Assert.Equal(ArrowIpc.Serialize(expected).Length, ArrowIpc.Serialize(actual).Length);
            Assert.Equal(0, detached.DetachDelta().Length);
        }
    }

    // Timers are kept per key (the first inline, more in a list): a key's timers of both modes are registered once each,
    // deleted in any order, listed in time order per mode, and fire in time order across keys.
    [Fact]
    public void Timers_OfOneKey_AreRegisteredOnce_DeletedInAnyOrder_ListedPerModeInTimeOrder()
    {
        var store = NewStore();
        var (a, b) = (K(store, "a"), K(store, "b"));
        var timers = store.Timers;
        foreach (var t in new long[] { 30, 10, 20, 40 }) Assert.True(timers.Register(a, TimeMode.EventTime, t));
        Assert.True(timers.Register(a, TimeMode.ProcessingTime, 10));
        Assert.False(timers.Register(a, TimeMode.EventTime, 20));
        Assert.True(timers.Register(b, TimeMode.EventTime, 15));
        Assert.Equal((6, 2), (timers.Count, timers.KeyCount));

        Assert.True(timers.Delete(a, TimeMode.EventTime, 30));
        Assert.False(timers.Delete(a, TimeMode.EventTime, 30));
        Assert.True(timers.Delete(a, TimeMode.EventTime, 10));
        Assert.False(timers.Delete(b, TimeMode.ProcessingTime, 15));
        Assert.Equal([20L, 40L], timers.List(a, TimeMode.EventTime));
        Assert.Equal([10L], timers.List(a, TimeMode.ProcessingTime));
        Assert.Empty(timers.List(K(store, "c"), TimeMode.EventTime));
        Assert.Equal((4, 2), (timers.Count, timers.KeyCount));

        Assert.Equal([(b, 15L), (a, 20L)], timers.TakeExpired(TimeMode.EventTime, 39));
        Assert.Equal((2, 1), (timers.Count, timers.KeyCount));
        Assert.Equal([(a, TimeMode.EventTime, 40L), (a, TimeMode.ProcessingTime, 10L)], timers.All());
        Assert.True(timers.Delete(a, TimeMode.ProcessingTime, 10));
        Assert.True(timers.Delete(a, TimeMode.EventTime, 40));
        Assert.Equal((0, 0), (timers.Count, timers.KeyCount));
        Assert.Null(timers.NextTime(TimeMode.EventTime));
    }

    [Fact]
    public void Snapshot_ListsValuesByKeyBytes_AndTimersByKeyThenModeThenTime()
    {
        var store = NewStore();
        var values = store.GetValueState("v");
        var keys = new[] { "d", "b", "a", "c" }.Select(k => K(store, k)).ToArray();
        foreach (var key in keys) values.Update(key, B(key.ToString()));
        store.Timers.Register(keys[0], TimeMode.ProcessingTime, 5);
        store.Timers.Register(keys[0], TimeMode.EventTime, 9);
        store.Timers.Register(keys[0], TimeMode.EventTime, 7);
        store.Timers.Register(keys[2], TimeMode.EventTime, 8);

        var snapshot = store.Snapshot();

        var families = (Apache.Arrow.StringArray)snapshot.Column(0);
        var restored = Restore(s => { s.GetValueState("v"); return s; }, snapshot);
        var rowKeys = restored.Keys(Columns(snapshot, 2, 3), snapshot.Length);
        var entries = (Apache.Arrow.BinaryArray)snapshot.Column(4);
        var timers = Enumerable.Range(0, snapshot.Length).Where(r => families.GetString(r) == TimerFamily.FamilyName)
            .Select(r => (rowKeys[r], entries.GetBytes(r)[0], System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(entries.GetBytes(r)[1..]))).ToList();
        var (a, d) = (keys[2], keys[0]);
        Assert.Equal([(a, (byte)TimeMode.EventTime, 8L), (d, (byte)TimeMode.EventTime, 7L), (d, (byte)TimeMode.EventTime, 9L), (d, (byte)TimeMode.ProcessingTime, 5L)],
            timers.Select(t => (t.Item1, t.Item2, t.Item3)).ToList());
        var valueKeys = Enumerable.Range(0, snapshot.Length).Where(r => families.GetString(r) == "v").Select(r => rowKeys[r]).ToList();
        Assert.Equal(keys.Order().ToList(), valueKeys);
    }

    [Fact]
    public void Timers_MovedManyTimes_FireOnceEachAtTheirLastTime_InTimeThenKeyOrder_AlsoAfterARestart()
    {
        // Each key's timer moves forward repeatedly (a session extended by each event), some move back to a time they had
        // before, and some are deleted: deleted timers must never fire, re-registered ones fire once.
        var store = NewStore();
        var timers = store.Timers;
        var keys = Enumerable.Range(0, 500).Select(i => K(store, "k" + i.ToString("D3"))).ToArray();
        var expected = new SortedSet<(long Time, string Key)>();
        for (var i = 0; i < keys.Length; i++)
        {
            for (var t = 0; t < 10; t++) Assert.True(timers.Register(keys[i], TimeMode.EventTime, 1000 + t));
            for (var t = 0; t < 9; t++) Assert.True(timers.Delete(keys[i], TimeMode.EventTime, 1000 + t));
            if (i % 3 == 0)
            {
                Assert.True(timers.Register(keys[i], TimeMode.EventTime, 1000 + i % 7));
                Assert.True(timers.Delete(keys[i], TimeMode.EventTime, 1009));
            }
            if (i % 5 == 0) timers.Delete(keys[i], TimeMode.EventTime, 1000 + (i % 3 == 0 ? i % 7 : 9));
        }
        for (var i = 0; i < keys.Length; i++)
            if (i % 5 != 0) expected.Add((i % 3 == 0 ? 1000 + i % 7 : 1009, keys[i].ToString()));
        Assert.Equal(expected.Count, timers.Count);
        Assert.Equal(expected.Min.Time, timers.NextTime(TimeMode.EventTime));
        var delta = store.Delta();
        store.MarkClean();

        // The order of ties is the key's byte order: ToString is its bytes in hex, which sorts the same.
        var fired = timers.TakeExpired(TimeMode.EventTime, 1003);
        Assert.Equal(expected.Where(e => e.Time <= 1003).ToList(), fired.Select(f => (f.TimeMicros, f.Key.ToString())).ToList());
        Assert.Equal(expected.Where(e => e.Time > 1003).ToList(), timers.TakeExpired(TimeMode.EventTime, long.MaxValue).Select(f => (f.TimeMicros, f.Key.ToString())).ToList());
        Assert.Equal(0, timers.Count);
        Assert.Null(timers.NextTime(TimeMode.EventTime));

        var restored = Restore(s => s, delta);
        Assert.Equal(expected.ToList(), restored.Timers.TakeExpired(TimeMode.EventTime, long.MaxValue).Select(f => (f.TimeMicros, f.Key.ToString())).ToList());
    }

    [Fact]
    public void Ttl_ExpiresValuesTheirTimeToLiveAfterTheirLastWrite_AcrossARestart()
    {
        var store = NewStore();
        var session = store.GetValueState("session", Minute);
        var seen = store.GetMapState("seen", Minute);
        var history = store.GetListState("history", Minute);
        var forever = store.GetValueState("forever");
        var (a, b) = (K(store, "a"), K(store, "b"));
        store.BatchTimestampMicros = 0;
        session.Update(a, B("s1"));
        session.Update(b, B("s2"));
        seen.Put(a, E("x"), B("1"));
        history.Append(a, B("h"));
        forever.Update(a, B("f"));
        Assert.Equal(MinuteMicros, store.NextTtlExpiry);
        store.BatchTimestampMicros = 30_000_000;
        session.Update(b, B("s2'"));        // written again: lives until 90 s
        seen.Put(a, E("y"), B("2"));        // each map entry has its own expiry
        var snapshot = store.Snapshot();
        store.MarkClean();

        Assert.Equal(0, store.ExpireTtl(MinuteMicros - 1));
        Assert.Equal(3, store.ExpireTtl(MinuteMicros));        // session a, seen a/x, history a
        Assert.False(session.Exists(a));
        Assert.True(session.Exists(b));
        Assert.Equal(["y"], seen.Entries(a).Select(e => S(e.Entry.Bytes.ToArray())));
        Assert.False(history.Exists(a));
        Assert.Equal("f", S(forever.Get(a)));
        var delta = store.Delta();
        Assert.Equal(3, Rows(delta).Count(r => (bool)r[1]!));

        // The expiry times are state: a restarted store expires the rest at the same times.
        var restored = Restore(s =>
        {
            s.GetValueState("session", Minute);
            s.GetMapState("seen", Minute);
            s.GetListState("history", Minute);
            s.GetValueState("forever");
            return s;
        }, snapshot, delta);
        Assert.Equal(0, restored.ExpireTtl(MinuteMicros));
        Assert.Equal(2, restored.ExpireTtl(90_000_000));
        Assert.Equal(0, restored.GetValueState("session", Minute).KeyCount);
        Assert.Equal(0, restored.GetMapState("seen", Minute).KeyCount);
        Assert.Equal(1, restored.GetValueState("forever").KeyCount);
    }

    [Fact]
    public void Declaring_AReservedNameOrANameOfAnotherKind_Fails()
    {
        var store = NewStore();
        store.GetValueState("x");
        Assert.Throws<ArgumentException>(() => store.GetMapState("x"));
        Assert.Throws<ArgumentException>(() => store.GetValueState("x", Minute));
        Assert.Throws<ArgumentException>(() => store.GetListState("__timers"));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.GetListState("y", TimeSpan.Zero));
        Assert.Equal(["__timers", "x"], store.Families.Select(f => f.Name));
    }

    [Fact]
    public void Apply_RowsOfAnUndeclaredFamily_FailsNamingIt()
    {
        var store = NewStore();
        store.GetValueState("count").Update(K(store, "a"), B("1"));
        var e = Assert.Throws<InvalidDataException>(() => NewStore().Apply(ThroughIpc(store.Snapshot())));
        Assert.Contains("'count'", e.Message);
    }

    [Fact]
    public void KeyColumns_OfKeys_AreTheKeysRowsAndTheirKeyGroupsAreTheExchanges()
    {
        var store = NewStore();
        var batch = Batch("user string, region int", ["a", 1], [null, 2], ["日本", null]);
        var keys = store.Keys(Columns(batch, 0, 1), batch.Length);
        var columns = store.KeyColumns(keys);
        Assert.Equal(Rows(batch).Select(Print), Rows(new Apache.Arrow.RecordBatch(store.KeySchema, columns, 3)).Select(Print));
        var groups = new int[3];
        KeyGroups.Assign(Columns(batch, 0, 1), 3, 128, groups);
        Assert.Equal(groups, keys.Select(k => KeyedStateStore.KeyGroupOf(k, 128)));
    }

    [Fact]
    public void Snapshot_OfAnEmptyStore_IsAnEmptyBatchOfTheStateSchema()
    {
        var store = NewStore();
        store.GetValueState("v");
        var snapshot = ThroughIpc(store.Snapshot());
        Assert.Equal(0, snapshot.Length);
        NewStore().Apply(snapshot);
        Assert.Equal(DataTypes.ToDdl(store.StateSchema), DataTypes.ToDdl(snapshot.Schema));
    }
}
