using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class KeyTableTests
{
    private static (int[] Slots, bool[] Added) GetOrAdd(KeyTable table, RecordBatch batch)
    {
        var slots = new int[batch.Length];
        var added = new bool[batch.Length];
        table.GetOrAdd(Columns(batch, Enumerable.Range(0, batch.ColumnCount).ToArray()), batch.Length, slots, added);
        return (slots, added);
    }

    [Fact]
    public void GetOrAdd_AssignsDenseSlots_RepeatedKeyAddedOnce()
    {
        var table = new KeyTable(Schema("k string, n int"));
        var (slots, added) = GetOrAdd(table, Batch("k string, n int", ["a", 1], ["b", null], ["a", 1], [null, null], ["b", null], ["a", 2]));
        Assert.Equal([0, 1, 0, 2, 1, 3], slots);
        Assert.Equal([true, true, false, true, false, true], added);
        Assert.Equal(4, table.Count);

        (slots, added) = GetOrAdd(table, Batch("k string, n int", [null, null], ["c", 5]));
        Assert.Equal([2, 4], slots);
        Assert.Equal([false, true], added);

        var found = new int[3];
        Assert.Equal(2, table.TryGet(Columns(Batch("k string, n int", ["a", 2], ["zz", 0], ["c", 5]), 0, 1), 3, found));
        Assert.Equal([3, -1, 4], found);
    }

    [Fact]
    public void Remove_KeepsOtherKeysFindable_AndReusesSlots()
    {
        const int n = 20_000;
        var table = new KeyTable(Schema("k bigint"));
        var batch = Batch("k bigint", Enumerable.Range(0, n).Select(i => new object?[] { (long)i * 7919 }).ToArray());
        var (slots, _) = GetOrAdd(table, batch);
        Assert.Equal(Enumerable.Range(0, n), slots);
        for (var i = 0; i < n; i += 3) table.Remove(i);
        Assert.Equal(n - (n + 2) / 3, table.Count);

        var found = new int[n];
        table.TryGet(Columns(batch, 0), n, found);
        for (var i = 0; i < n; i++) Assert.Equal(i % 3 == 0 ? -1 : i, found[i]);

        // Freed ids come back (last freed first) before new ids are handed out.
        var (again, added) = GetOrAdd(table, Batch("k bigint", [0L], [-1L]));
        Assert.Equal([true, true], added);
        Assert.Equal([19_998, 19_995], again);
        Assert.Equal(n, table.SlotBound);
    }

    [Fact]
    public void KeyColumns_DecodesInSlotOrder_AndKeyGroupMatchesKeyGroups()
    {
        var table = new KeyTable(Schema("k string, d date"));
        var batch = Batch("k string, d date", ["日本", new DateOnly(2024, 1, 2)], [null, null], ["x", new DateOnly(1970, 1, 1)]);
        GetOrAdd(table, batch);
        var keys = table.KeyColumns([2, 0, 1]);
        var rows = Rows(new RecordBatch(table.KeySchema, keys, 3));
        Assert.Equal(["x | 01/01/1970", "日本 | 01/02/2024", "null | null"], rows.Select(Print));

        var groups = new int[3];
        KeyGroups.Assign(Columns(batch, 0, 1), 3, 128, groups);
        for (var s = 0; s < 3; s++) Assert.Equal(groups[s], table.KeyGroupOf(s, 128));

        var live = new List<int>();
        table.Remove(1);
        table.LiveSlots(live);
        Assert.Equal([0, 2], live);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.KeyBytes(1));
    }

    [Fact]
    public void GetOrAdd_ExistingKeys_AllocatesNothing()
    {
        const int n = 100_000;
        var table = new KeyTable(Schema("k string"));
        var batch = Batch("k string", Enumerable.Range(0, n).Select(i => new object?[] { "user-" + i }).ToArray());
        var columns = Columns(batch, 0);
        var slots = new int[n];
        var added = new bool[n];
        table.GetOrAdd(columns, n, slots, added);
        var before = GC.GetAllocatedBytesForCurrentThread();
        table.GetOrAdd(columns, n, slots, added);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"Looking up {n} existing keys allocated {allocated} bytes.");
        Assert.DoesNotContain(true, added);
        Assert.True(table.EstimatedBytes > n * 8L);
    }

    [Fact]
    public void Clear_StartsOverFromSlotZero()
    {
        var table = new KeyTable(Schema("k int"));
        GetOrAdd(table, Batch("k int", [5], [6]));
        table.Clear();
        Assert.Equal(0, table.Count);
        var (slots, added) = GetOrAdd(table, Batch("k int", [6]));
        Assert.Equal([0], slots);
        Assert.Equal([true], added);
        Assert.False(table.TryGet(new KeyEncoder(table.KeySchema).EncodeRow([Column("int", 5)], 0), out _));
        Assert.Equal([0], CollectionsMarshal.AsSpan(LiveOf(table)).ToArray());
    }

    private static List<int> LiveOf(KeyTable table)
    {
        var list = new List<int>();
        table.LiveSlots(list);
        return list;
    }
}
