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

    // Removing many keys at once (more than stay, which rebuilds the buckets) or a few (one by one) leaves the table as
    // removing them one by one does: the same keys findable, the same ids freed in the same order.
    [Theory]
    [InlineData("k bigint", 3)]
    [InlineData("k bigint", 4)]
    [InlineData("k bigint, s string", 3)]
    [InlineData("k bigint, s string", 4)]
    public void RemoveMany_MatchesRemovingOneByOne(string ddl, int keepEvery)
    {
        const int n = 5_000;
        var rows = Enumerable.Range(0, n).Select(i => ddl.Contains("string") ? new object?[] { (long)i * 7919, "s" + (i % 7) } : [(long)i * 7919]).ToArray();
        var batch = Batch(ddl, rows);
        var many = new KeyTable(Schema(ddl));
        var single = new KeyTable(Schema(ddl));
        GetOrAdd(many, batch);
        GetOrAdd(single, batch);
        // Listed in descending order, as a caller may list them in any. Three quarters of the keys rebuild the buckets;
        // a third are removed one by one.
        var removed = Enumerable.Range(0, n).Where(i => i % keepEvery != 0).Reverse().ToArray();
        if (keepEvery == 3) removed = removed.Where(i => i % 2 == 0).ToArray();
        many.Remove(removed);
        foreach (var s in removed) single.Remove(s);

        Assert.Equal(single.Count, many.Count);
        Assert.Equal(LiveOf(single), LiveOf(many));
        var (foundMany, foundSingle) = (new int[n], new int[n]);
        many.TryGet(Columns(batch, Enumerable.Range(0, batch.ColumnCount).ToArray()), n, foundMany);
        single.TryGet(Columns(batch, Enumerable.Range(0, batch.ColumnCount).ToArray()), n, foundSingle);
        Assert.Equal(foundSingle, foundMany);
        Assert.Contains(-1, foundMany);
        var fresh = Batch(ddl, Enumerable.Range(0, 50).Select(i => ddl.Contains("string") ? new object?[] { -1L - i, "new" } : [-1L - i]).ToArray());
        Assert.Equal(GetOrAdd(single, fresh).Slots, GetOrAdd(many, fresh).Slots);
        Assert.Equal(GetOrAdd(single, batch).Slots, GetOrAdd(many, batch).Slots);
    }

    [Fact]
    public void RemoveMany_RefusesASlotListedTwice_AndChangesNothing()
    {
        var table = new KeyTable(Schema("k bigint"));
        var batch = Batch("k bigint", Enumerable.Range(0, 10).Select(i => new object?[] { (long)i }).ToArray());
        GetOrAdd(table, batch);

        Assert.Throws<ArgumentOutOfRangeException>(() => table.Remove([1, 2, 3, 4, 5, 6, 2]));
        Assert.Equal(10, table.Count);
        Assert.Equal(Enumerable.Range(0, 10), GetOrAdd(table, batch).Slots);
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

    // Keys added one at a time double the arrays; the buckets a table outgrows become its hashes,
    // which grow on the same key to the same size: what the growth allocates is less than twice the table it leaves (a
    // new array per doubling of everything, hashes included, was twice).
    [Fact]
    public void GetOrAdd_OneKeyAtATime_ReusesTheOutgrownBucketsAsHashes()
    {
        const int n = 100_000;
        var table = new KeyTable(Schema("k bigint, w bigint"));
        Span<long> values = stackalloc long[2];
        Span<byte> key = stackalloc byte[2 * FixedKeys.ColumnBytes];
        var misplaced = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < n; i++)
        {
            values[0] = i * 1_000_003L;
            values[1] = i % 7;
            FixedKeys.Encode(values, 0, key);
            if (table.GetOrAdd(key, out _) != i) misplaced++;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, misplaced);
        Assert.True(allocated < table.EstimatedBytes * 17 / 10, $"Adding {n} keys allocated {allocated} bytes for a table of {table.EstimatedBytes}.");
        for (var i = 0; i < n; i += 997)
        {
            values[0] = i * 1_000_003L;
            values[1] = i % 7;
            FixedKeys.Encode(values, 0, key);
            Assert.True(table.TryGet(key, out var slot) && slot == i);
            Assert.Equal(KeyGroups.Of(key, 128), table.KeyGroupOf(i, 128));   // the hash kept in the reused array
        }
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
