using Azure.Core;
using Azure.Storage.Blobs;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// The timeouts and retries of the Azure Blob checkpoint store: the SDK's quick per-request retries (each try bounded by
/// <see cref="NetworkTimeout"/>), each attempt of a store call bounded by <see cref="OperationTimeout"/>, and further attempts
/// with capped exponential backoff for as long as <see cref="OutageBudget"/> lasts. Built from the options; tests shorten it.
/// </summary>
internal sealed record StorageRetrySettings
{
    /// <summary>The settings of the default options.</summary>
    public static StorageRetrySettings Default { get; } = From(new CheckpointStorageOptions());

    public TimeSpan OutageBudget { get; init; }
    public TimeSpan NetworkTimeout { get; init; }
    public TimeSpan OperationTimeout { get; init; }

    /// <summary>The SDK's retries within one attempt: few, since the outage budget does the long waiting.</summary>
    public int SdkMaxRetries { get; init; } = 2;

    /// <summary>The pause after an attempt's first failure, doubled after each further one up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest pause between attempts, which is also how late the store may notice that storage is back.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    public static StorageRetrySettings From(CheckpointStorageOptions options) => new()
    {
        OutageBudget = options.OutageBudget,
        NetworkTimeout = options.AzureBlob.NetworkTimeout,
        OperationTimeout = options.AzureBlob.OperationTimeout,
    };

    /// <summary>Client options whose every HTTP try times out after <see cref="NetworkTimeout"/> and is retried with exponential backoff.</summary>
    public BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = SdkMaxRetries;
        options.Retry.Delay = FirstDelay;
        options.Retry.MaxDelay = MaxDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
        return options;
    }
}
