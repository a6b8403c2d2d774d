using System.Text;
using Apache.Arrow;
using OrleansStream.Engine.State.Families;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State.Families;

/// <summary>The live lookup shape of transformWithState variables: values as their JSON, lists as JSON arrays, maps as JSON objects.</summary>
public sealed class KeyedStateLookupTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void EachVariableAnswersAsJson_ByName_NullWhereItHoldsNothing()
    {
        var store = new KeyedStateStore(Schema("user string"));
        var count = store.GetValueState("count");
        var visits = store.GetListState("visits");
        var perPage = store.GetMapState("perPage");
        var byDay = store.GetMapState("byDay");
        StateKey K(string user) => store.Key(Columns(Batch("user string", [user]), 0), 0);
        count.Update(K("a"), B("2"));
        visits.AppendList(K("a"), [B("""{"Page":"home"}"""), B("""{"Page":"cart"}""")]);
        perPage.Put(K("a"), new StateKey(B("\"home\"")), B("1"));
        perPage.Put(K("a"), new StateKey(B("\"say \\\"hi\\\"\"")), B("2"));
        byDay.Put(K("a"), new StateKey(B("7")), B("[1,2]"));
        visits.Append(K("b"), B("3"));

        var lookup = new KeyedStateLookup(store);
        Assert.Equal(["user", "count", "visits", "perPage", "byDay"], lookup.LookupResultSchema.FieldsList.Select(f => f.Name));
        var found = new bool[3];
        var rows = lookup.Lookup(Batch("user string", ["a"], ["b"], ["c"]), found);
        Assert.Equal([true, true, false], found);
        Assert.Equal(2, rows.Length);
        string Row(int r) => string.Join(" | ", Enumerable.Range(0, rows.ColumnCount).Select(c => ((StringArray)rows.Column(c)).GetString(r) ?? "null"));
        Assert.Equal("""a | 2 | [{"Page":"home"},{"Page":"cart"}] | {"home":1,"say \u0022hi\u0022":2} | {"7":[1,2]}""", Row(0));
        Assert.Equal("b | null | [3] | null | null", Row(1));
        Assert.Equal(2, lookup.Scan(10).Length);
    }
}
