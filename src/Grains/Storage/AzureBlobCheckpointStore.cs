using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// A checkpoint store in one Azure Blob Storage container (DESIGN §5): each key is the blob <c>{prefix}{key}</c>, the
/// ETag is the blob's, and every write is conditional on the service (create with <c>If-None-Match: *</c>, overwrite and
/// delete with <c>If-Match</c>), so that two silos holding activations of one grain can never both commit.
/// The container is created the first time a record is created in it.
/// </summary>
/// <remarks>
/// Error messages name the operation, key, account and container, never the service URI (it may carry a SAS token)
/// nor anything from the connection string.
/// </remarks>
public sealed partial class AzureBlobCheckpointStore : ICheckpointStore
{
    // The service's limit on blob names.
    private const int MaxBlobNameLength = 1024;

    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly ILogger _logger;

    /// <summary>Creates a store over <paramref name="container"/>, with every blob name starting with <paramref name="prefix"/>.</summary>
    /// <param name="container">The container; created when the first record is written if it does not exist.</param>
    /// <param name="prefix">A key prefix shared by every record of this store ('/' is appended when missing); null or "" for none.</param>
    /// <param name="logger">Where container creation is logged.</param>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not a valid checkpoint key prefix.</exception>
    public AzureBlobCheckpointStore(BlobContainerClient container, string? prefix = null, ILogger<AzureBlobCheckpointStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        _prefix = NormalizePrefix(prefix);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    /// <summary>The prefix of every blob name of this store ("" or ending with '/').</summary>
    public string Prefix => _prefix;

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
    public async Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default)
    {
        var blob = BlobOf(key);
        try
        {
            var result = await blob.DownloadContentAsync(ct).ConfigureAwait(false);
            return new CheckpointBlob(result.Value.Content.ToArray(), result.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // BlobNotFound or ContainerNotFound: either way there is no record.
            return null;
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("read", key, ex);
        }
    }

    /// <inheritdoc />
    public async Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        var blob = BlobOf(key);
        var options = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var response = await blob.UploadAsync(BinaryData.FromBytes(data), options, ct).ConfigureAwait(false);
                return response.Value.ETag.ToString();
            }
            catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode == "BlobAlreadyExists"))
            {
                throw new CheckpointConflictException(key, $"Checkpoint key '{key}' already exists.");
            }
            catch (RequestFailedException ex) when (attempt == 0 && ex.Status == 404 && ex.ErrorCode == "ContainerNotFound")
            {
                // Created on first use rather than at startup, so that a store costs nothing until it writes and a container
                // deleted under a running silo comes back.
                await CreateContainerAsync(key, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsServiceFailure(ex))
            {
                throw Failure("create", key, ex);
            }
        }
    }

    /// <inheritdoc />
    public async Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(etag);
        var blob = BlobOf(key);
        var options = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(etag) } };
        try
        {
            var response = await blob.UploadAsync(BinaryData.FromBytes(data), options, ct).ConfigureAwait(false);
            return response.Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new CheckpointConflictException(key, $"Checkpoint key '{key}' was changed by another writer (expected ETag {etag}).");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new CheckpointConflictException(key, $"Checkpoint key '{key}' does not exist.");
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("replace", key, ex);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default)
    {
        CheckpointKeys.ValidatePrefix(prefix);
        var keys = new List<string>();
        try
        {
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _prefix + prefix }, ct).ConfigureAwait(false))
                keys.Add(item.Name[_prefix.Length..]);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // ContainerNotFound: nothing was ever written.
            return [];
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("list", prefix, ex);
        }
        // The service lists in UTF-8 byte order; the contract is ordinal (UTF-16) order, which differs above U+FFFF.
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default)
    {
        var blob = BlobOf(key);
        try
        {
            if (etag is null)
            {
                var deleted = await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, ct).ConfigureAwait(false);
                return deleted.Value;
            }
            await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = new ETag(etag) }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new CheckpointConflictException(key, $"Checkpoint key '{key}' was changed by another writer (expected ETag {etag}).");
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("delete", key, ex);
        }
    }

    private BlobClient BlobOf(string key)
    {
        CheckpointKeys.Validate(key);
        var name = _prefix + key;
        if (name.Length > MaxBlobNameLength)
            throw new ArgumentException($"Checkpoint key '{key}' is too long: with the prefix, a blob name has at most {MaxBlobNameLength} characters.", nameof(key));
        return _container.GetBlobClient(name);
    }

    private async Task CreateContainerAsync(string key, CancellationToken ct)
    {
        try
        {
            // Concurrent first writers may all get here: "if not exists" makes that harmless.
            var created = await _container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            if (created is not null) LogContainerCreated(_logger, _container.AccountName, _container.Name);
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("create the container for", key, ex);
        }
    }

    // Transport failures surface as RequestFailedException (status 0), or as AggregateException once retries are exhausted.
    private static bool IsServiceFailure(Exception ex) => ex is RequestFailedException or AggregateException;

    /// <summary>
    /// Replaces the SDK's exception by one whose message holds only what is safe to log. The SDK's own message (kept as the
    /// inner exception for diagnosis) lists the request's headers with Authorization redacted, and never the account key.
    /// </summary>
    private IOException Failure(string operation, string key, Exception ex)
    {
        var detail = ex is RequestFailedException rfe
            ? $"status {rfe.Status}{(rfe.ErrorCode is { } code ? ", " + code : "")}"
            : "the service could not be reached";
        return new IOException(
            $"Azure Blob checkpoint store: could not {operation} '{key}' in container '{_container.Name}' of account '{_container.AccountName}' ({detail}).", ex);
    }

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Created checkpoint container {Container} in storage account {Account}")]
    private static partial void LogContainerCreated(ILogger logger, string account, string container);
}
