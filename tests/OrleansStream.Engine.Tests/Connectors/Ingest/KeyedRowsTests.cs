using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Connectors.Ingest;

public sealed class KeyedRowsTests
{
    [Fact]
    public void GroupBy_SplitsRowsPerKeyInOrderOfFirstAppearance_KeepingEachGroupsRowOrder()
    {
        var rows = ArrowValues.FromRows(DataTypes.ParseSchema("user STRING, n INT"), [["b", 1], ["a", 2], [null, 3], ["b", 4]]);

        var groups = KeyedRows.GroupBy(rows, 0).Select(g => $"{g.Key}: {string.Join(",", ArrowValues.ToRows(g.Rows).Select(r => r[1]))}");

        Assert.Equal(["b: 1,4", "a: 2", "null: 3"], groups);
    }
}
