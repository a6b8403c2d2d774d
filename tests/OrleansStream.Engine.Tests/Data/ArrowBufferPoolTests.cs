using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Tests.Data;

public class ArrowBufferPoolTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 32)]
    [InlineData(100_000, 131_072)]
    [InlineData(1 << 24, 1 << 24)]
    public void An_array_rented_is_the_smallest_pooled_size_that_holds_the_request(int bytes, int expected)
    {
        var pool = new ArrowBufferPool();
        Assert.Equal(expected, pool.Rent(bytes).Length);
        Assert.Empty(pool.Rent(0));
        Assert.Equal((1 << 24) + 1, pool.Rent((1 << 24) + 1).Length);   // unpooled beyond 16 MB, of the size asked for
    }

    [Fact]
    public void An_array_returned_is_rented_again_and_every_rent_and_return_is_counted()
    {
        var pool = new ArrowBufferPool();
        var first = pool.Rent(1000);
        pool.Return(first);
        Assert.Same(first, pool.Rent(600));   // the same size class
        Assert.NotSame(first, pool.Rent(600));   // taken: a new one
        pool.Return(new byte[100]);   // not a pooled size: left to the GC
        pool.Return(pool.Rent((1 << 24) + 1));
        Assert.Equal(4, pool.Rented);
        Assert.Equal(3, pool.Returned);
    }

    [Fact]
    public void A_size_keeps_at_most_64_arrays_and_rents_are_thread_safe()
    {
        var pool = new ArrowBufferPool();
        var arrays = Enumerable.Range(0, 100).Select(_ => pool.Rent(4096)).ToList();
        Assert.Equal(100, arrays.Distinct().Count());
        foreach (var array in arrays) pool.Return(array);
        var again = Enumerable.Range(0, 100).Select(_ => pool.Rent(4096)).ToList();
        Assert.Equal(64, again.Count(arrays.Contains));

        // An array rented by two threads at once would hold the other's bytes before it is returned.
        var shared = 0;
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 1000; i++)
            {
                var a = pool.Rent(256);
                a.AsSpan().Fill((byte)worker);
                Thread.SpinWait(20);
                if (a.AsSpan().IndexOfAnyExcept((byte)worker) >= 0) Interlocked.Increment(ref shared);
                pool.Return(a);
            }
        });
        Assert.Equal(0, shared);
        Assert.Equal(100 + 100 + 8000, pool.Rented);
        Assert.Equal(100 + 8000, pool.Returned);
    }
}
