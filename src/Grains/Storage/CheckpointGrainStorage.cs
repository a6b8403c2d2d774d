using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// The <c>checkpoints</c> grain-storage provider: each grain state is one record of an <see cref="ICheckpointStore"/>,
/// written create-if-absent the first time and by ETag afterwards, so that two activations of one grain can never both win.
/// </summary>
internal sealed partial class CheckpointGrainStorage(
    string name, ICheckpointStore store, IGrainStorageSerializer serializer, ILogger<CheckpointGrainStorage> logger) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var blob = await store.ReadAsync(KeyOf(stateName, grainId), CancellationToken.None);
        if (blob is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = serializer.Deserialize<T>(new BinaryData(blob.Data));
        grainState.ETag = blob.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = KeyOf(stateName, grainId);
        // The engine's serializer hands the trigger's record (twice an epoch) in a rented array, given back after the write.
        using var rented = (serializer as CheckpointStateSerializer)?.SerializeRented(grainState.State);
        var data = rented is null ? serializer.Serialize(grainState.State).ToMemory() : rented.Memory;
        try
        {
            grainState.ETag = grainState.ETag is null
                ? await store.PutIfAbsentAsync(key, data, CancellationToken.None)
                : await store.ReplaceAsync(key, data, grainState.ETag, CancellationToken.None);
            grainState.RecordExists = true;
        }
        catch (CheckpointConflictException ex)
        {
            LogWarningConflict(logger, name, key);
            throw new InconsistentStateException($"Checkpoint record '{key}' was changed by another writer: {ex.Message}", ex);
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = KeyOf(stateName, grainId);
        if (grainState.ETag is not null && !await store.DeleteAsync(key, grainState.ETag, CancellationToken.None))
        {
            throw new InconsistentStateException($"Checkpoint record '{key}' was changed by another writer before it could be cleared.");
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    // Grain keys (checkpoint locations) may hold '/', so the key is escaped into one path segment.
    private static string KeyOf(string stateName, GrainId grainId) =>
        $"grains/{grainId.Type}/{Uri.EscapeDataString(grainId.Key.ToString())}/{stateName}";

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Grain storage {Provider}: conditional write of {Key} lost to another writer")]
    private static partial void LogWarningConflict(ILogger logger, string provider, string key);
}
