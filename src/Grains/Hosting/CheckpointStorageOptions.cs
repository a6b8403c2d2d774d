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

    /// <summary>The Azure Blob Storage settings, used when <see cref="Provider"/> is <see cref="AzureBlobProvider"/>.</summary>
    public AzureBlobCheckpointOptions AzureBlob { get; set; } = new();
}
