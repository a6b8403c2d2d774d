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

    /// <summary>Never shows <see cref="ConnectionString"/>, so that logging the options cannot leak it.</summary>
    public override string ToString() => $"AzureBlob(Container={Container}, Prefix={Prefix})";
}
