using System.Globalization;
using Apache.Arrow;
using OrleansStream.Plan.Data;

namespace OrleansStream.Client;

/// <summary>Splits a write by a key column's hash (<see cref="IngestWriterOptions.PartitionBy"/>), keeping each partition's rows in their order.</summary>
internal static class KeyPartitioner
{
    /// <summary>Each partition's rows of <paramref name="batch"/> (null where none), by the hash of column <paramref name="column"/>.</summary>
    /// <exception cref="ArgumentException">The ingest has no such column.</exception>
    public static RecordBatch?[] Split(string ingest, Schema schema, RecordBatch batch, string column, int partitions)
    {
        var keyIndex = -1;
        for (int c = 0; c < schema.FieldsList.Count && keyIndex < 0; c++)
            if (string.Equals(schema.FieldsList[c].Name, column, StringComparison.OrdinalIgnoreCase)) keyIndex = c;
        if (keyIndex < 0)
            throw new ArgumentException($"Ingest '{ingest}': IngestWriterOptions.PartitionBy names column '{column}', which is not declared ({string.Join(", ", schema.FieldsList.Select(f => f.Name))}); nothing was appended.");
        var keys = batch.Column(keyIndex);
        var rows = ArrowValues.ToRows(batch);
        var shares = new List<object?[]>?[partitions];
        for (int r = 0; r < rows.Count; r++)
        {
            var p = (int)(Hash(keys.IsNull(r) ? null : Convert.ToString(ArrowValues.GetValue(keys, r), CultureInfo.InvariantCulture)) % (uint)partitions);
            (shares[p] ??= []).Add(rows[r]);
        }
        return shares.Select(s => s is null ? null : ArrowValues.FromRows(schema, s)).ToArray();
    }

    // FNV-1a over the key's invariant text: stable across processes and versions (string.GetHashCode is not), so a
    // restarted writer sends a key where it went before.
    private static uint Hash(string? key)
    {
        uint hash = 2166136261;
        foreach (var c in key ?? "")
        {
            hash = (hash ^ c) * 16777619;
        }
        return hash;
    }
}
