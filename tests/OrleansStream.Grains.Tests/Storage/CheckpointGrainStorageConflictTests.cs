using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Storage;
using OrleansStream.Grains.Tests.Infrastructure;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>
/// Two activations of one grain on different silos (two <see cref="CheckpointGrainStorage"/> instances, each over its own
/// store instance on the same location) race to write the same state: exactly one commits, the other gets Orleans'
/// <see cref="InconsistentStateException"/>, on every backend.
/// </summary>
public sealed class CheckpointGrainStorageConflictTests : IDisposable
{
    private const string StateName = "trigger";

    // A checkpoint location as grain key: it holds '/', which the storage escapes into one key segment.
    private static readonly GrainId Grain = GrainId.Create("trigger", "queries/q1");

    private static readonly IGrainStorageSerializer Serializer =
        new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("FileSystem")]
    [InlineData("AzureBlob")]
    public async Task Two_activations_creating_the_first_version_have_exactly_one_winner(string backend)
    {
        var (silo1, silo2) = TwoSilos(backend);
        var a = await ReadAsync(silo1);
        var b = await ReadAsync(silo2);
        Assert.False(a.RecordExists);
        Assert.False(b.RecordExists);

        a.State = new TestState { Owner = "a", Epoch = 0 };
        b.State = new TestState { Owner = "b", Epoch = 0 };
        await AssertExactlyOneCommitsAsync(silo1, a, silo2, b);
    }

    [Theory]
    [InlineData("FileSystem")]
    [InlineData("AzureBlob")]
    public async Task Two_activations_updating_the_same_version_have_exactly_one_winner(string backend)
    {
        var (silo1, silo2) = TwoSilos(backend);
        var first = await ReadAsync(silo1);
        first.State = new TestState { Owner = "first", Epoch = 0 };
        await silo1.WriteStateAsync(StateName, Grain, first);

        for (int epoch = 1; epoch <= 3; epoch++)
        {
            var a = await ReadAsync(silo1);
            var b = await ReadAsync(silo2);
            Assert.True(a.RecordExists);
            Assert.Equal(a.ETag, b.ETag);
            a.State = new TestState { Owner = "a", Epoch = epoch };
            b.State = new TestState { Owner = "b", Epoch = epoch };
            await AssertExactlyOneCommitsAsync(silo1, a, silo2, b);
        }
    }

    private static async Task AssertExactlyOneCommitsAsync(
        CheckpointGrainStorage silo1, GrainState<TestState> a, CheckpointGrainStorage silo2, GrainState<TestState> b)
    {
        var outcomes = await Task.WhenAll(TryWriteAsync(silo1, a), TryWriteAsync(silo2, b));

        Assert.Single(outcomes, e => e is null);
        Assert.IsType<InconsistentStateException>(Assert.Single(outcomes, e => e is not null));
        var winner = outcomes[0] is null ? a : b;
        foreach (var storage in new[] { silo1, silo2 })
        {
            // Both silos read the winner's state and ETag: the loser's write left no trace.
            var stored = await ReadAsync(storage);
            Assert.Equal(winner.State!.Owner, stored.State!.Owner);
            Assert.Equal(winner.State.Epoch, stored.State.Epoch);
            Assert.Equal(winner.ETag, stored.ETag);
        }
    }

    private static Task<Exception?> TryWriteAsync(CheckpointGrainStorage storage, GrainState<TestState> state) => Task.Run(async () =>
    {
        try
        {
            await storage.WriteStateAsync(StateName, Grain, state);
            return null;
        }
        catch (Exception e)
        {
            return (Exception?)e;
        }
    });

    private static async Task<GrainState<TestState>> ReadAsync(CheckpointGrainStorage storage)
    {
        var state = new GrainState<TestState>();
        await storage.ReadStateAsync(StateName, Grain, state);
        return state;
    }

    // Each silo has its own store instance (own locks, own HTTP client) over the same location.
    private (CheckpointGrainStorage, CheckpointGrainStorage) TwoSilos(string backend)
    {
        Func<ICheckpointStore> store;
        if (backend == "FileSystem")
        {
            var root = Path.Combine(_dir.Path, "checkpoints");
            store = () => new FileSystemCheckpointStore(root);
        }
        else
        {
            var container = Azurite.UniqueContainerName();
            store = () => new AzureBlobCheckpointStore(new BlobContainerClient(Azurite.ConnectionString, container), "cluster");
        }
        return (Storage(store()), Storage(store()));
    }

    private static CheckpointGrainStorage Storage(ICheckpointStore store) =>
        new("checkpoints", store, Serializer, NullLogger<CheckpointGrainStorage>.Instance);

    public sealed class TestState
    {
        public string Owner { get; set; } = "";
        public int Epoch { get; set; }
    }
}
