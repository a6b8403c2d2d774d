namespace OrleansStream.Grains.Execution;

/// <summary>The hooks of a silo without test hooks: nothing happens.</summary>
internal sealed class NoEpochHooks : IEpochHooks
{
    public Task OnSinkCommittedAsync(string query, long batchId) => Task.CompletedTask;

    public Task OnSinkLogWrittenAsync(string query, long batchId) => Task.CompletedTask;
}
