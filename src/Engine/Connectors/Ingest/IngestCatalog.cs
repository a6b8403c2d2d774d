using System.Text.Json;
using OrleansStream.Plan.Types;
using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>
/// Where an ingest lives in the checkpoint store: <c>ingest/&lt;name&gt;/declaration</c> (the declaration, written once),
/// <c>ingest/&lt;name&gt;/p&lt;partition&gt;/&lt;start offset&gt;.arrow</c> (segments) and <c>ingest/&lt;name&gt;/readers/&lt;query&gt;</c>
/// (what each reading query has committed). Declares and finds ingests.
/// </summary>
public static class IngestCatalog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The key prefix of everything of ingest <paramref name="name"/>.</summary>
    public static string Prefix(string name) => $"ingest/{name}/";

    /// <summary>The key prefix of the segments of one partition.</summary>
    public static string PartitionPrefix(string name, int partition) =>
        $"{Prefix(name)}p{partition.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)}/";

    /// <summary>Throws unless <paramref name="name"/> is a valid ingest name.</summary>
    /// <exception cref="ArgumentException">The name is empty, longer than 200 characters or has a character other than letters, digits, '-', '_' and '.'.</exception>
    public static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("An ingest name must not be empty.", nameof(name));
        if (name.Length > 200 || name is "." or ".." || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"Ingest name '{name}' is not valid: use at most 200 letters, digits, '-', '_' and '.'.", nameof(name));
    }

    /// <summary>
    /// Persists <paramref name="declaration"/> unless it exists; declaring the same ingest again with the same schema and
    /// partitions is a no-op that returns the stored declaration.
    /// </summary>
    /// <exception cref="ArgumentException">The declaration is not valid, or the ingest exists with another schema or partition count.</exception>
    public static async Task<IngestDeclaration> DeclareAsync(ICheckpointStore store, IngestDeclaration declaration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(declaration);
        declaration.Validate();
        var canonical = declaration with { SchemaDdl = DataTypes.ToDdl(DataTypes.ParseSchema(declaration.SchemaDdl)) };
        try
        {
            await store.PutIfAbsentAsync(Key(declaration.Name), JsonSerializer.SerializeToUtf8Bytes(canonical, Json), cancellationToken).ConfigureAwait(false);
            return canonical;
        }
        catch (CheckpointConflictException)
        {
            var existing = await FindAsync(store, declaration.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Ingest '{declaration.Name}' was being declared concurrently; declare it again.");
            if (existing.SchemaDdl != canonical.SchemaDdl || existing.Partitions != canonical.Partitions)
                throw new ArgumentException($"Ingest '{declaration.Name}' is already declared with schema '{existing.SchemaDdl}' and {existing.Partitions} partitions; "
                    + $"it cannot be declared again with schema '{canonical.SchemaDdl}' and {canonical.Partitions} partitions.");
            return existing;
        }
    }

    /// <summary>The declaration of ingest <paramref name="name"/>, or null when it was never declared.</summary>
    public static async Task<IngestDeclaration?> FindAsync(ICheckpointStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ValidateName(name);
        var blob = await store.ReadAsync(Key(name), cancellationToken).ConfigureAwait(false);
        return blob is null ? null : JsonSerializer.Deserialize<IngestDeclaration>(blob.Data, Json);
    }

    /// <summary>The declaration of ingest <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No ingest of that name was declared.</exception>
    public static async Task<IngestDeclaration> RequireAsync(ICheckpointStore store, string name, CancellationToken cancellationToken) =>
        await FindAsync(store, name, cancellationToken).ConfigureAwait(false)
        ?? throw new ArgumentException($"Ingest '{name}' does not exist: declare it first with CreateIngestAsync.");

    private static string Key(string name) => Prefix(name) + "declaration";
}
