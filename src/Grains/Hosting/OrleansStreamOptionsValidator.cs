using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using OrleansStream.Grains.Storage;

namespace OrleansStream.Grains.Hosting;

/// <summary>
/// Checks <see cref="OrleansStreamOptions"/> when the silo starts, so that a bad checkpoint configuration stops the silo
/// with a message naming the option instead of failing the first grain that persists state. Messages never echo the
/// connection string.
/// </summary>
internal sealed class OrleansStreamOptionsValidator : IValidateOptions<OrleansStreamOptions>
{
    private const string Section = OrleansStreamOptions.SectionName + ":Checkpoints";

    public ValidateOptionsResult Validate(string? name, OrleansStreamOptions options)
    {
        // Recovery plans from the last committed epoch's offset record: the logs never drop it.
        if (options.MinBatchesToRetain < 0)
            return ValidateOptionsResult.Fail($"{OrleansStreamOptions.SectionName}:MinBatchesToRetain is {options.MinBatchesToRetain}; it must be 0 or more.");
        if (options.WriteAheadGroup < 1)
            return ValidateOptionsResult.Fail($"{OrleansStreamOptions.SectionName}:WriteAheadGroup is {options.WriteAheadGroup}; it must be 1 or more.");
        if (options.StateSnapshotMinInterval < TimeSpan.Zero)
            return ValidateOptionsResult.Fail($"{OrleansStreamOptions.SectionName}:StateSnapshotMinInterval is {options.StateSnapshotMinInterval}; it must be 0 or more.");
        var checkpoints = options.Checkpoints;
        if (checkpoints is null) return ValidateOptionsResult.Fail($"{Describe("")} must not be null.");
        if (IsProvider(checkpoints.Provider, CheckpointStorageOptions.FileSystemProvider)) return ValidateOptionsResult.Success;
        if (!IsProvider(checkpoints.Provider, CheckpointStorageOptions.AzureBlobProvider))
        {
            return ValidateOptionsResult.Fail(
                $"{Describe("Provider")} is '{checkpoints.Provider}'; it must be '{CheckpointStorageOptions.FileSystemProvider}' or '{CheckpointStorageOptions.AzureBlobProvider}'.");
        }
        return ValidateAzureBlob(checkpoints, checkpoints.AzureBlob ?? new AzureBlobCheckpointOptions());
    }

    internal static bool IsProvider(string? provider, string expected) => string.Equals(provider, expected, StringComparison.OrdinalIgnoreCase);

    private static ValidateOptionsResult ValidateAzureBlob(CheckpointStorageOptions checkpoints, AzureBlobCheckpointOptions blob)
    {
        var failures = new List<string>();
        ValidateTimeouts(checkpoints, blob, failures);
        if (string.IsNullOrWhiteSpace(blob.ConnectionString))
        {
            failures.Add($"{Describe("AzureBlob:ConnectionString")} must be set when {Describe("Provider")} is '{CheckpointStorageOptions.AzureBlobProvider}'.");
        }
        else
        {
            try
            {
                _ = new BlobServiceClient(blob.ConnectionString);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                // Neither the value nor the SDK's message: a parse error may quote the part it could not read, which can be the key.
                failures.Add($"{Describe("AzureBlob:ConnectionString")} is not a valid Azure Storage connection string (its value is not shown).");
            }
        }
        if (!IsContainerName(blob.Container))
        {
            failures.Add($"{Describe("AzureBlob:Container")} is '{blob.Container}'; a container name has 3 to 63 lowercase letters, digits and single hyphens, "
                + "and starts and ends with a letter or digit.");
        }
        try
        {
            AzureBlobCheckpointStore.NormalizePrefix(blob.Prefix);
        }
        catch (ArgumentException)
        {
            failures.Add($"{Describe("AzureBlob:Prefix")} is '{blob.Prefix}'; it must be a relative '/'-separated path without empty, '.' or '..' segments.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Positive, and an attempt may last at least one network try: otherwise every call would time out before it is answered.
    private static void ValidateTimeouts(CheckpointStorageOptions checkpoints, AzureBlobCheckpointOptions blob, List<string> failures)
    {
        if (checkpoints.OutageBudget <= TimeSpan.Zero)
            failures.Add($"{Describe("OutageBudget")} is {checkpoints.OutageBudget}; it must be positive (e.g. 00:05:00).");
        if (blob.NetworkTimeout <= TimeSpan.Zero)
            failures.Add($"{Describe("AzureBlob:NetworkTimeout")} is {blob.NetworkTimeout}; it must be positive (e.g. 00:00:15).");
        if (blob.OperationTimeout < blob.NetworkTimeout || blob.OperationTimeout <= TimeSpan.Zero)
            failures.Add($"{Describe("AzureBlob:OperationTimeout")} is {blob.OperationTimeout}; it must be positive and at least {Describe("AzureBlob:NetworkTimeout")} ({blob.NetworkTimeout}).");
    }

    private static bool IsContainerName(string? name)
    {
        if (name is null || name.Length is < 3 or > 63) return false;
        if (name[0] == '-' || name[^1] == '-' || name.Contains("--", StringComparison.Ordinal)) return false;
        foreach (var c in name)
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) return false;
        return true;
    }

    // The configuration key and the environment variable that sets it, e.g. "OrleansStream__Checkpoints__Provider".
    private static string Describe(string option)
    {
        var key = option.Length == 0 ? Section : Section + ":" + option;
        return $"{key} (environment variable {key.Replace(":", "__", StringComparison.Ordinal)})";
    }
}
