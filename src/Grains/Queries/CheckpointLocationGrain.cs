using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Queries;

/// <summary>Binds <see cref="PathResolver.CheckpointKey"/> to a grain call, on whichever silo is nearest.</summary>
[StatelessWorker]
internal sealed class CheckpointLocationGrain(PathResolver paths) : Grain, ICheckpointLocationGrain
{
    public Task<string> ResolveAsync(string location) => Task.FromResult(paths.CheckpointKey(location));
}
