using System.Text;
using OrleansStream.Engine.Checkpointing;
using Xunit;

namespace OrleansStream.Engine.Tests.Checkpointing;

/// <summary>The behaviour every <see cref="ICheckpointStore"/> backend must have. Subclass per backend.</summary>
public abstract class CheckpointStoreContractTests
{
    /// <summary>A fresh, empty store.</summary>
    protected abstract ICheckpointStore CreateStore();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[] b) => Encoding.UTF8.GetString(b);

    [Fact]
    public async Task Put_if_absent_creates_once_then_conflicts()
    {
        var store = CreateStore();
        Assert.Null(await store.ReadAsync("q1/offsets/0"));
        var etag = await store.PutIfAbsentAsync("q1/offsets/0", B("zero"));
        var blob = await store.ReadAsync("q1/offsets/0");
        Assert.NotNull(blob);
        Assert.Equal("zero", S(blob.Data));
        Assert.Equal(etag, blob.ETag);
        var e = await Assert.ThrowsAsync<CheckpointConflictException>(() => store.PutIfAbsentAsync("q1/offsets/0", B("other")));
        Assert.Equal("q1/offsets/0", e.Key);
        Assert.Equal("zero", S((await store.ReadAsync("q1/offsets/0"))!.Data));
    }

    [Fact]
    public async Task Replace_requires_the_current_etag_and_changes_it_on_every_write()
    {
        var store = CreateStore();
        var e1 = await store.PutIfAbsentAsync("state/p0", B("v1"));
        var e2 = await store.ReplaceAsync("state/p0", B("v1"), e1);
        Assert.NotEqual(e1, e2);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync("state/p0", B("stale"), e1));
        var e3 = await store.ReplaceAsync("state/p0", B("v3"), e2);
        var blob = await store.ReadAsync("state/p0");
        Assert.Equal("v3", S(blob!.Data));
        Assert.Equal(e3, blob.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync("state/missing", B("x"), e3));
    }

    [Fact]
    public async Task Concurrent_replaces_with_the_same_etag_have_exactly_one_winner()
    {
        var store = CreateStore();
        for (int round = 0; round < 5; round++)
        {
            var key = $"race/{round}";
            var etag = await store.PutIfAbsentAsync(key, B("start"));
            var tasks = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
            {
                try { return await store.ReplaceAsync(key, B("writer" + i), etag); }
                catch (CheckpointConflictException) { return null; }
            })).ToArray();
            var results = await Task.WhenAll(tasks);
            Assert.Single(results, r => r is not null);
            var winner = Array.FindIndex(results, r => r is not null);
            var blob = await store.ReadAsync(key);
            Assert.Equal("writer" + winner, S(blob!.Data));
            Assert.Equal(results[winner], blob.ETag);
        }
    }

    [Fact]
    public async Task Concurrent_put_if_absent_has_exactly_one_winner()
    {
        var store = CreateStore();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            try { return await store.PutIfAbsentAsync("commits/7", B("w" + i)); }
            catch (CheckpointConflictException) { return null; }
        })));
        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task List_returns_keys_with_the_prefix_in_order()
    {
        var store = CreateStore();
        foreach (var k in new[] { "q/offsets/10", "q/offsets/2", "q/commits/0", "other/x", "q/offsetsX" })
            await store.PutIfAbsentAsync(k, B(k));
        Assert.Equal(["q/offsets/10", "q/offsets/2"], await store.ListAsync("q/offsets/"));
        Assert.Equal(["q/offsets/10", "q/offsets/2", "q/offsetsX"], await store.ListAsync("q/offsets"));
        Assert.Equal(["other/x", "q/commits/0", "q/offsets/10", "q/offsets/2", "q/offsetsX"], await store.ListAsync(""));
        Assert.Empty(await store.ListAsync("nothing/"));
    }

    [Fact]
    public async Task Delete_is_conditional_on_the_etag_when_given()
    {
        var store = CreateStore();
        var etag = await store.PutIfAbsentAsync("a/b", B("1"));
        var newer = await store.ReplaceAsync("a/b", B("2"), etag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.DeleteAsync("a/b", etag));
        Assert.True(await store.DeleteAsync("a/b", newer));
        Assert.Null(await store.ReadAsync("a/b"));
        Assert.False(await store.DeleteAsync("a/b", null));
        await store.PutIfAbsentAsync("a/b", B("3"));
        Assert.True(await store.DeleteAsync("a/b", null));
        Assert.Empty(await store.ListAsync("a/"));
    }

    [Fact]
    public async Task Delete_unchecked_removes_a_record_and_is_a_no_op_for_a_missing_key()
    {
        var store = CreateStore();
        await store.PutIfAbsentAsync("a/1", B("1"));
        await store.PutIfAbsentAsync("a/2", B("2"));
        await store.DeleteUncheckedAsync("a/1");
        Assert.Null(await store.ReadAsync("a/1"));
        Assert.Equal(["a/2"], await store.ListAsync("a/"));
        await store.DeleteUncheckedAsync("a/1");
        await store.DeleteUncheckedAsync("missing/folder/key");
        // The key can be created again.
        await store.PutIfAbsentAsync("a/1", B("3"));
        Assert.Equal(B("3"), (await store.ReadAsync("a/1"))!.Data.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/../b")]
    [InlineData("/rooted")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("trailing/")]
    [InlineData(".")]
    public async Task Invalid_keys_are_rejected(string key)
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutIfAbsentAsync(key, B("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReplaceAsync(key, B("x"), "etag"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(key, null));
    }

    [Fact]
    public async Task Empty_data_round_trips()
    {
        var store = CreateStore();
        var etag = await store.PutIfAbsentAsync("empty", ReadOnlyMemory<byte>.Empty);
        var blob = await store.ReadAsync("empty");
        Assert.Empty(blob!.Data);
        Assert.Equal(etag, blob.ETag);
    }
}
