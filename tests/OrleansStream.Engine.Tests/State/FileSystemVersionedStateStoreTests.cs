using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Data;

namespace OrleansStream.Engine.Tests.State;

/// <summary>State versioning on the file-system checkpoint store (the Azure Blob half runs in the grains tests).</summary>
public sealed class FileSystemVersionedStateStoreTests : VersionedStateStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override ICheckpointStore CreateStore() => new FileSystemCheckpointStore(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")));

    public void Dispose() => _dir.Dispose();
}
