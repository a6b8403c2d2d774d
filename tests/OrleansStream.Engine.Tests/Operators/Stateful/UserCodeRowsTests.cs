using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Stateful;
using OrleansStream.Engine.State.Families;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Operators.Stateful;

public sealed class UserCodeRowsTests
{
    [Fact]
    public void GroupByKey_KeysInByteOrder_RowsInArrivalOrderAcrossBatches_LateRowsAndOtherInputsLeftOut()
    {
        var store = new KeyedStateStore(Schema("k bigint"));
        const string ddl = "k bigint, seq int, t bigint";
        var first = Batch(ddl, [3L, 1, 100L], [1L, 2, 100L], [3L, 3, 5L], [2L, 4, 100L], [1L, 5, 100L]);
        var initial = Batch(ddl, [9L, 0, 100L]);
        var second = Batch(ddl, [2L, 6, 100L], [3L, 7, 100L], [1L, 8, 100L], [4L, 9, 1L]);

        var groups = UserCodeRows.GroupByKey(store, [0], [new KeyedInput(0, first), new KeyedInput(1, initial), new KeyedInput(0, second)], 2, 10, out var dropped);

        Assert.Equal(2, dropped);
        var expectedKeys = new[] { 1L, 2L, 3L }.Select(k => store.Key(Columns(Batch("k bigint", [k]), 0), 0)).Order().ToList();
        Assert.Equal(expectedKeys, groups.Select(g => g.Key).ToList());
        var byKey = groups.ToDictionary(g => (long)g.Rows[0][0]!, g => g.Rows.Select(r => (int)r[1]!).ToList());
        Assert.Equal([2, 5, 8], byKey[1]);
        Assert.Equal([4, 6], byKey[2]);
        Assert.Equal([1, 7], byKey[3]);
    }
}
