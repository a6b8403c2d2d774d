using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Data;

namespace OrleansStream.Engine.Tests.State;

/// <summary>State versioning on the file-system checkpoint store (the Azure Blob half runs in the grains tests).</summary>
public sealed class FileSystemVersionedStateStoreTests : VersionedStateStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override ICheckpointStore CreateStore() => new FileSystemCheckpointStore(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")));

    public void Dispose() => _dir.Dispose();

    protected override bool LeaveTornCreate(ICheckpointStore backend, string key, bool wholeLength)
    {
        // The header naming 4096 bytes of data, then only part of them (or all, but not what was written: zeros).
        var path = Path.Combine(((FileSystemCheckpointStore)backend).Root, key);
        byte[] header = [.. "OSC3"u8, 0, 16, 0, 0, .. new byte[16]];
        File.WriteAllBytes(path, wholeLength ? [.. header, .. new byte[4096 + 16]] : [.. header, 1, 2, 3]);
        return true;
    }
}
