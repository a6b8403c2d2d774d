namespace OrleansStream.Grains.Hosting;

/// <summary>Where Azure Blob Storage checkpoints live (configuration section "OrleansStream:Checkpoints:AzureBlob").</summary>
public sealed class AzureBlobCheckpointOptions
{
    /// <summary>The container used when <see cref="Container"/> is not set.</summary>
    public const string DefaultContainer = "orleansstream";

    /// <summary>
    /// The storage account's connection string (required). A secret: OrleansStream never writes it to a log or an error message.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container of every checkpoint record; created when the first record is written.</summary>
    public string Container { get; set; } = DefaultContainer;

    /// <summary>A '/'-separated prefix of every blob name, so that several clusters can share one container; empty for none.</summary>
    public string? Prefix { get; set; }

    /// <summary>
    /// How long one HTTP try may wait for the service to accept a request or send the next part of a response before it is
    /// abandoned and tried again (the SDK's <c>Retry.NetworkTimeout</c>; default 15 s), so that a hung connection costs
    /// seconds, not the SDK's default 100 s. Large state snapshots over slow links may need more.
    /// </summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long one attempt of a checkpoint call may take in all, including the SDK's own quick retries (default 1 minute);
    /// a call that runs out is tried again within <see cref="CheckpointStorageOptions.OutageBudget"/>. At least <see cref="NetworkTimeout"/>.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Never shows <see cref="ConnectionString"/>, so that logging the options cannot leak it.</summary>
    public override string ToString() =>
        $"AzureBlob(Container={Container}, Prefix={Prefix}, NetworkTimeout={NetworkTimeout}, OperationTimeout={OperationTimeout})";
}
