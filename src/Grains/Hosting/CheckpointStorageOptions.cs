namespace OrleansStream.Grains.Hosting;

/// <summary>
/// Which <see cref="Engine.Checkpointing.ICheckpointStore"/> holds the checkpoints (configuration section
/// "OrleansStream:Checkpoints", environment variables <c>OrleansStream__Checkpoints__*</c>).
/// </summary>
public sealed class CheckpointStorageOptions
{
    /// <summary>The <see cref="Provider"/> that keeps checkpoints under <see cref="OrleansStreamOptions.DataDirectory"/> (the default).</summary>
    public const string FileSystemProvider = "FileSystem";

    /// <summary>The <see cref="Provider"/> that keeps checkpoints in Azure Blob Storage (<see cref="AzureBlob"/>).</summary>
    public const string AzureBlobProvider = "AzureBlob";

    /// <summary><see cref="FileSystemProvider"/> (default) or <see cref="AzureBlobProvider"/>, case-insensitive.</summary>
    public string Provider { get; set; } = FileSystemProvider;

    /// <summary>The <see cref="OutageBudget"/> when none is configured.</summary>
    public static readonly TimeSpan DefaultOutageBudget = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long one checkpoint call keeps trying while storage fails for transport reasons (refused or reset connections,
    /// timeouts, status 408, 429 or 5xx) before the query fails with an error naming storage: meanwhile the query stalls,
    /// logs a warning per attempt and resumes once storage answers (default 5 minutes; environment variable
    /// <c>OrleansStream__Checkpoints__OutageBudget</c>, e.g. <c>00:10:00</c>). Used by the Azure Blob store.
    /// </summary>
    public TimeSpan OutageBudget { get; set; } = DefaultOutageBudget;

    /// <summary>The Azure Blob Storage settings, used when <see cref="Provider"/> is <see cref="AzureBlobProvider"/>.</summary>
    public AzureBlobCheckpointOptions AzureBlob { get; set; } = new();
}
