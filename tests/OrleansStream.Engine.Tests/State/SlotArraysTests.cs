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

    [Fact]
    public void ResizeInto_a_spare_of_the_size_overwrites_it_with_the_values_and_zeros()
    {
        var array = new ulong[] { 1, 2, 3 };
        var spare = Enumerable.Repeat(ulong.MaxValue, 8).ToArray();
        Assert.True(SlotArrays.ResizeInto(ref array, spare, 8));
        Assert.Same(spare, array);
        Assert.Equal([1UL, 2, 3, 0, 0, 0, 0, 0], array);

        var other = new ulong[7];
        Assert.False(SlotArrays.ResizeInto(ref array, other, 16));   // not the size asked for
        Assert.False(SlotArrays.ResizeInto(ref array, new ulong[4], 4));   // would shrink
        Assert.False(SlotArrays.ResizeInto(ref array, null, 16));
        Assert.Same(spare, array);
    }

    // Pinned arrays are allocated uninitialised (their memory is advised and faulted in before the first write) and zeroed
    // after: memory the pinned heap hands out again, written with ones before, still reads as zeros, and a resize keeps the
    // values and zeroes the rest. Both below and above the size offered huge pages.
    [Theory]
    [InlineData(SlotArrays.LongLivedBytes / sizeof(long) + 1)]
    [InlineData(SlotArrays.HugePageBytes / sizeof(long) * 2)]
    public void A_pinned_array_is_zeroed_even_over_reused_memory(int length)
    {
        for (var round = 0; round < 3; round++)
        {
            LeaveDirtyPinnedMemory(length);
            var array = SlotArrays.New<long>(length);
            Assert.Equal(length, array.Length);
            Assert.Equal(-1, System.Array.FindIndex(array, v => v != 0));
            Assert.Equal(GC.MaxGeneration, GC.GetGeneration(array));

            LeaveDirtyPinnedMemory(length);
            var grown = new long[] { 5, 6, 7 };
            SlotArrays.Resize(ref grown, length);
            Assert.Equal([5L, 6, 7], grown[..3]);
            Assert.Equal(-1, System.Array.FindIndex(grown, 3, v => v != 0));
        }
    }

    // A pinned array of the length, written with ones and collected: the pinned heap may hand its memory out again.
    private static void LeaveDirtyPinnedMemory(int length)
    {
        long[]? dirty = GC.AllocateUninitializedArray<long>(length, pinned: true);
        System.Array.Fill(dirty, -1L);
        dirty = null;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
