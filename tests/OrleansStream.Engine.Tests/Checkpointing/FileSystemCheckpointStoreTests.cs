using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Checkpointing;

public sealed class FileSystemCheckpointStoreTests : CheckpointStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override ICheckpointStore CreateStore() => new FileSystemCheckpointStore(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Another_store_instance_on_the_same_root_sees_the_same_etag_and_conflicts()
    {
        var root = Path.Combine(_dir.Path, "shared");
        var a = new FileSystemCheckpointStore(root);
        var b = new FileSystemCheckpointStore(root);
        var etag = await a.PutIfAbsentAsync("q/commits/0", new byte[] { 1 });
        Assert.Equal(etag, (await b.ReadAsync("q/commits/0"))!.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => b.PutIfAbsentAsync("q/commits/0", new byte[] { 2 }));
        var results = await Task.WhenAll(new[] { a, b }.Select(s => Task.Run(async () =>
        {
            try { return await s.ReplaceAsync("q/commits/0", new byte[] { 3 }, etag); }
            catch (CheckpointConflictException) { return null; }
        })));
        Assert.Single(results, r => r is not null);
        Assert.Equal(["q/commits/0"], await b.ListAsync(""));
    }
}
