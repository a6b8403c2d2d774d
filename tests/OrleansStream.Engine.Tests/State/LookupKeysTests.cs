using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class LookupKeysTests
{
    [Fact]
    public void Build_ChecksArityAndTypes_NamingExpectedAndGiven()
    {
        var schema = Schema("user string, day date");

        var arity = Assert.Throws<ArgumentException>(() => LookupKeys.Build(schema, [["ann"]]));
        Assert.StartsWith("Lookup key 0 has 1 value (String ann) but the state's key has 2: expected (user string, day date).", arity.Message);
        var type = Assert.Throws<ArgumentException>(() => LookupKeys.Build(schema, [["ann", new DateOnly(2026, 1, 2)], ["bob", 3]]));
        Assert.StartsWith("Lookup key 1, value 1 ('day'): expected date but was given Int32 3; expected (user string, day date).", type.Message);

        var keys = LookupKeys.Build(schema, [["ann", new DateOnly(2026, 1, 2)], [null, null]]);
        Assert.Equal([["ann", new DateOnly(2026, 1, 2)], [null, null]], Rows(keys));
    }

    [Fact]
    public void Build_WidensIntegers_ButNotToOtherKinds()
    {
        var keys = LookupKeys.Build(Schema("n bigint"), [[1], [(short)2], [3L]]);
        Assert.Equal([1L, 2L, 3L], Rows(keys).Select(r => r[0]));
        Assert.Throws<ArgumentException>(() => LookupKeys.Build(Schema("n int"), [[1L]]));
        Assert.Throws<ArgumentException>(() => LookupKeys.Build(Schema("n int"), [["1"]]));
    }

    [Fact]
    public void Partitions_AreThoseTheExchangeRoutesRowsTo()
    {
        var keys = LookupKeys.Build(Schema("user string, n bigint"), Enumerable.Range(0, 200).Select(i => new object?[] { $"u{i}", (long)i }).ToList());
        var owners = LookupKeys.Partitions(keys, 128, 5);
        var split = KeyGroupPartitioner.Split(keys, [0, 1], 128, 5);
        for (var p = 0; p < 5; p++)
            Assert.Equal(Enumerable.Range(0, 200).Where(r => owners[r] == p).Select(r => $"u{r}"), split[p] is { } b ? Rows(b).Select(r => (string)r[0]!) : []);
        Assert.True(owners.Distinct().Count() > 1);
    }
}
