using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// A checkpoint store in one Azure Blob Storage container (DESIGN §5): each key is the blob <c>{prefix}{key}</c>, the
/// ETag is the blob's, and every write is conditional on the service (create with <c>If-None-Match: *</c>, overwrite and
/// delete with <c>If-Match</c>), so that two silos holding activations of one grain can never both commit.
/// The container is created the first time a record is created in it.
/// </summary>
/// <remarks>
/// Storage outages stall calls instead of failing them (<see cref="StorageOutageRetry"/>). A retried write may find its
/// own earlier attempt already there (its response was lost): every write stores a random token of the call as blob
/// metadata, and a create answered 409/412 or a replace answered 412 succeeds when the blob holds that token.
/// Error messages name the endpoint, operation, key, account and container, never the service URI's path or query (it
/// may carry a SAS token) nor anything from the connection string.
/// </remarks>
public sealed partial class AzureBlobCheckpointStore : ICheckpointStore
{
    // The service's limit on blob names.
    private const int MaxBlobNameLength = 1024;

    // Metadata names must be C# identifiers; the service lowercases them.
    private const string WriteTokenMetadata = "orleansstreamwrite";

    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly ILogger _logger;
    private readonly StorageOutageRetry _retry;

    /// <summary>Creates a store over <paramref name="container"/>, with every blob name starting with <paramref name="prefix"/>.</summary>
    /// <param name="container">The container; created when the first record is written if it does not exist.</param>
    /// <param name="prefix">A key prefix shared by every record of this store ('/' is appended when missing); null or "" for none.</param>
    /// <param name="logger">Where container creation, storage failures and recoveries are logged.</param>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not a valid checkpoint key prefix.</exception>
    public AzureBlobCheckpointStore(BlobContainerClient container, string? prefix = null, ILogger<AzureBlobCheckpointStore>? logger = null)
        : this(container, prefix, logger, StorageRetrySettings.Default, new CheckpointStoreHealth())
    {
    }

    internal AzureBlobCheckpointStore(BlobContainerClient container, string? prefix, ILogger? logger, StorageRetrySettings retry, CheckpointStoreHealth health)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        _prefix = NormalizePrefix(prefix);
        _logger = logger ?? NullLogger.Instance;
        _retry = new StorageOutageRetry(retry, container.Uri.GetLeftPart(UriPartial.Authority), container.AccountName, container.Name, health, _logger);
        Health = health;
    }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    /// <summary>The prefix of every blob name of this store ("" or ending with '/').</summary>
    public string Prefix => _prefix;

    /// <summary>Whether storage is answering, and how long it stalled.</summary>
    internal CheckpointStoreHealth Health { get; }

    /// <summary>
    /// A store for <paramref name="options"/> whose client times out and retries as <see cref="StorageRetrySettings"/> says;
    /// <paramref name="configureClient"/> lets tests add pipeline policies (fault injection).
    /// </summary>
    internal static AzureBlobCheckpointStore Create(AzureBlobCheckpointOptions options, StorageRetrySettings retry, CheckpointStoreHealth health,
        ILogger? logger, Action<BlobClientOptions>? configureClient = null)
    {
        var clientOptions = retry.ClientOptions();
        configureClient?.Invoke(clientOptions);
        var container = new BlobServiceClient(options.ConnectionString, clientOptions).GetBlobContainerClient(options.Container);
        return new AzureBlobCheckpointStore(container, options.Prefix, logger, retry, health);
    }

    /// <summary>The normalized form of a store prefix: "" or a valid key prefix ending with '/'.</summary>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is rooted, has empty, "." or ".." segments, backslashes or control characters.</exception>
    public static string NormalizePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) return "";
        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        CheckpointKeys.Validate(trimmed);
        return trimmed + "/";
    }

    /// <inheritdoc />
    public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default)
    {
        var blob = BlobOf(key);
        return _retry.RunAsync("read", key, async token =>
        {
            try
            {
                var result = await blob.DownloadContentAsync(token).ConfigureAwait(false);
                return new CheckpointBlob(result.Value.Content.ToArray(), result.Value.Details.ETag.ToString());
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // BlobNotFound or ContainerNotFound: either way there is no record.
                return null;
            }
        }, ct);
    }

    /// <inheritdoc />
    public Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        var blob = BlobOf(key);
        var write = Write(data, new BlobRequestConditions { IfNoneMatch = ETag.All });
        return _retry.RunAsync("create", key, async token =>
        {
            try
            {
                return await UploadCreatingContainerAsync(blob, write, key, token).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode == "BlobAlreadyExists"))
            {
                return await OwnWriteETagAsync(blob, write, token).ConfigureAwait(false)
                    ?? throw new CheckpointConflictException(key, $"Checkpoint key '{key}' already exists.");
            }
        }, ct);
    }

    /// <inheritdoc />
    public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(etag);
        var blob = BlobOf(key);
        var write = Write(data, new BlobRequestConditions { IfMatch = new ETag(etag) });
        return _retry.RunAsync("replace", key, async token =>
        {
            try
            {
                return (await blob.UploadAsync(write.Data, write.Options, token).ConfigureAwait(false)).Value.ETag.ToString();
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                return await OwnWriteETagAsync(blob, write, token).ConfigureAwait(false)
                    ?? throw new CheckpointConflictException(key, $"Checkpoint key '{key}' was changed by another writer (expected ETag {etag}).");
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new CheckpointConflictException(key, $"Checkpoint key '{key}' does not exist.");
            }
        }, ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default)
    {
        CheckpointKeys.ValidatePrefix(prefix);
        var keys = await _retry.RunAsync("list", prefix.Length == 0 ? "/" : prefix, async token =>
        {
            var keys = new List<string>();
            try
            {
                await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _prefix + prefix }, token).ConfigureAwait(false))
                    keys.Add(item.Name[_prefix.Length..]);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // ContainerNotFound: nothing was ever written.
            }
            return keys;
        }, ct).ConfigureAwait(false);
        // The service lists in UTF-8 byte order; the contract is ordinal (UTF-16) order, which differs above U+FFFF.
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default)
    {
        var blob = BlobOf(key);
        var attempts = 0;
        return _retry.RunAsync("delete", key, async token =>
        {
            var retried = attempts++ > 0;
            try
            {
                if (etag is null)
                    return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, token).ConfigureAwait(false)).Value;
                await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = new ETag(etag) }, token).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // A conditional delete retried after a transport failure finds nothing when its first attempt deleted the
                // blob and the answer was lost: deleting with the caller's ETag is what the caller asked for.
                return retried && etag is not null;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                throw new CheckpointConflictException(key, $"Checkpoint key '{key}' was changed by another writer (expected ETag {etag}).");
            }
        }, ct);
    }

    private BlobClient BlobOf(string key)
    {
        CheckpointKeys.Validate(key);
        var name = _prefix + key;
        if (name.Length > MaxBlobNameLength)
            throw new ArgumentException($"Checkpoint key '{key}' is too long: with the prefix, a blob name has at most {MaxBlobNameLength} characters.", nameof(key));
        return _container.GetBlobClient(name);
    }

    // One token per call, not per attempt: every attempt (the SDK's and ours) writes the same one, so any of them landing counts.
    private static BlobWrite Write(ReadOnlyMemory<byte> data, BlobRequestConditions conditions)
    {
        var token = Guid.NewGuid().ToString("N");
        var options = new BlobUploadOptions { Conditions = conditions, Metadata = new Dictionary<string, string> { [WriteTokenMetadata] = token } };
        return new BlobWrite(BinaryData.FromBytes(data), options, token);
    }

    /// <summary>
    /// The blob's ETag when it holds this call's write token: an earlier attempt of the call wrote it, and only its
    /// response was lost. Null when another writer's record is there (a real conflict) or none is.
    /// </summary>
    private static async Task<string?> OwnWriteETagAsync(BlobClient blob, BlobWrite write, CancellationToken ct)
    {
        try
        {
            var properties = (await blob.GetPropertiesAsync(conditions: null, ct).ConfigureAwait(false)).Value;
            return properties.Metadata.TryGetValue(WriteTokenMetadata, out var token) && token == write.Token ? properties.ETag.ToString() : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    // Created on first use rather than at startup, so that a store costs nothing until it writes and a container deleted
    // under a running silo comes back.
    private async Task<string> UploadCreatingContainerAsync(BlobClient blob, BlobWrite write, string key, CancellationToken ct)
    {
        try
        {
            return (await blob.UploadAsync(write.Data, write.Options, ct).ConfigureAwait(false)).Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "ContainerNotFound")
        {
            // Concurrent first writers may all get here: "if not exists" makes that harmless.
            var created = await _container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            if (created is not null) LogContainerCreated(_logger, _container.AccountName, _container.Name, key);
            return (await blob.UploadAsync(write.Data, write.Options, ct).ConfigureAwait(false)).Value.ETag.ToString();
        }
    }

    private sealed record BlobWrite(BinaryData Data, BlobUploadOptions Options, string Token);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Created checkpoint container {Container} in storage account {Account} for {Key}")]
    private static partial void LogContainerCreated(ILogger logger, string account, string container, string key);
}
