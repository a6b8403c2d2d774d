using System.Reflection;
using Apache.Arrow;

namespace OrleansStream.Client;

/// <summary>
/// Writes <typeparamref name="T"/> records to a declared ingest: each declared column takes the public property of the
/// same name (case-insensitive); a column without a property is null. See <see cref="IngestWriter"/> for durability,
/// backpressure and retries.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class IngestWriter<T> : IngestWriter
{
    private Func<object, object?>?[]? _getters;

    internal IngestWriter(StreamSession session, string name, IngestWriterOptions? options = null) : base(session, name, options) { }

    /// <summary>Appends <paramref name="records"/> as one batch; returns once they are durable.</summary>
    /// <exception cref="ArgumentException">A property does not fit its column, or a property matches no column (the message names them; nothing was appended).</exception>
    public async Task WriteAsync(IEnumerable<T> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var getters = _getters ??= Map(await GetSchemaAsync().ConfigureAwait(false));
        var rows = new List<object?[]>();
        foreach (var record in records)
        {
            var row = new object?[getters.Length];
            if (record is not null)
                for (int c = 0; c < row.Length; c++) row[c] = getters[c]?.Invoke(record);
            rows.Add(row);
        }
        await WriteAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    private Func<object, object?>?[] Map(Schema schema)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToList();
        var getters = new Func<object, object?>?[schema.FieldsList.Count];
        for (int c = 0; c < getters.Length; c++)
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, schema.FieldsList[c].Name, StringComparison.OrdinalIgnoreCase));
            if (property is not null) getters[c] = property.GetValue;
        }
        var unmatched = properties.FirstOrDefault(p => !schema.FieldsList.Any(f => string.Equals(f.Name, p.Name, StringComparison.OrdinalIgnoreCase)));
        if (unmatched is not null)
            throw new ArgumentException($"Ingest '{Name}': property '{unmatched.Name}' of {typeof(T).Name} matches no declared column ({string.Join(", ", schema.FieldsList.Select(f => f.Name))}); nothing was appended.");
        return getters;
    }
}
