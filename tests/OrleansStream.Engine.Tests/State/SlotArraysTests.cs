using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Tests.State;

public class SlotArraysTests
{
    [Fact]
    public void A_large_state_array_starts_in_the_oldest_generation()
    {
        // A state array the size of a million-key table's must not be copied through gen 0 and gen 1 as it survives.
        var large = SlotArrays.New<long>(SlotArrays.LongLivedBytes / sizeof(long) + 1);
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(large));
        Assert.All(large, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Resize_keeps_the_values_and_zeroes_the_new_entries()
    {
        var array = new long[] { 1, 2, 3 };
        SlotArrays.Resize(ref array, 20_000);
        Assert.Equal(20_000, array.Length);
        Assert.Equal([1L, 2, 3], array[..3]);
        Assert.All(array[3..], v => Assert.Equal(0, v));
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(array));
        SlotArrays.Resize(ref array, 2);
        Assert.Equal([1L, 2], array);
    }
}
