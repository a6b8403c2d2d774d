using OrleansStream.Engine.Connectors;

namespace OrleansStream.Engine.Tests.Connectors;

/// <summary>A planning round reads a shared store once, so that every source asking in the round sees the same cut of it.</summary>
public sealed class SourcePlanningRoundTests
{
    [Fact]
    public async Task ShareAsync_WhenTheStoreChangesBetweenTwoSources_BothSeeTheFirstRead()
    {
        var store = new Dictionary<string, long> { ["s1"] = 1, ["s2"] = 1 };
        var reads = 0;
        Task<Dictionary<string, long>> Read(CancellationToken _)
        {
            reads++;
            return Task.FromResult(new Dictionary<string, long>(store));
        }
        var round = new SourcePlanningRound();

        var first = (await round.ShareAsync("memory:a", Read, default))["s1"];
        store["s1"] = store["s2"] = 2; // one add to both streams, between the two sources' asks
        var second = (await round.ShareAsync("memory:a", Read, default))["s2"];

        Assert.Equal((1, 1), (first, second));
        Assert.Equal(1, reads);
        Assert.Equal(2, (await new SourcePlanningRound().ShareAsync("memory:a", Read, default))["s2"]);
    }

    [Fact]
    public async Task ShareAsync_ReadsEachKeyOnce()
    {
        var reads = new List<string>();
        var round = new SourcePlanningRound();
        Func<CancellationToken, Task<string>> Reader(string key) => _ =>
        {
            reads.Add(key);
            return Task.FromResult(key);
        };

        Assert.Equal("a", await round.ShareAsync("a", Reader("a"), default));
        Assert.Equal("b", await round.ShareAsync("b", Reader("b"), default));
        Assert.Equal("a", await round.ShareAsync("a", Reader("a2"), default));

        Assert.Equal(["a", "b"], reads);
    }
}
