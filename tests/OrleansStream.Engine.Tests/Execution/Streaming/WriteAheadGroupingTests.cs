using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

public sealed class WriteAheadGroupingTests
{
    [Fact]
    public void AGroupWhoseFirstEpochWaitsOnItsWrite_DoublesTheNext_UpToTheGrowthLimit()
    {
        var grouping = new WriteAheadGrouping(group: 8, growth: 4);
        var sizes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            grouping.OnGroupTaken(written: false, previousGroupSize: grouping.Size);
            sizes.Add(grouping.Size);
        }
        Assert.Equal([16, 32, 32, 32], sizes);
    }

    [Fact]
    public void HalfAGroupRunAfterTheNextWriteWasDurable_HalvesTheNext_DownToTheConfiguredSize()
    {
        var grouping = new WriteAheadGrouping(group: 2, growth: 8);
        for (var i = 0; i < 3; i++) grouping.OnGroupTaken(written: false, previousGroupSize: 1);
        Assert.Equal(16, grouping.Size);
        // 16 epochs: the next write durable once 9 had been taken (7 after it: under half), then once 8 had (8: half).
        TakeGroup(grouping, 16, coveredEpochs: 7);
        Assert.Equal(16, grouping.Size);
        TakeGroup(grouping, 16, coveredEpochs: 8);
        Assert.Equal(8, grouping.Size);
        for (var i = 0; i < 4; i++) TakeGroup(grouping, grouping.Size, coveredEpochs: grouping.Size);
        Assert.Equal(2, grouping.Size);
    }

    [Fact]
    public void GrowthOne_KeepsTheConfiguredSize()
    {
        var grouping = new WriteAheadGrouping(group: 8, growth: 1);
        grouping.OnGroupTaken(written: false, previousGroupSize: 8);
        Assert.Equal(8, grouping.Size);
    }

    // The queued epochs of a group of size epochs (all but its first), the last coveredEpochs of them taken with the next
    // group's write durable; then the next group's first, written.
    private static void TakeGroup(WriteAheadGrouping grouping, int size, int coveredEpochs)
    {
        for (var taken = 1; taken < size; taken++) grouping.OnQueuedTaken(nextWritten: taken >= size - coveredEpochs);
        grouping.OnGroupTaken(written: true, previousGroupSize: size);
    }
}
