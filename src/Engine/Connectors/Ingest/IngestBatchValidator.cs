using Apache.Arrow;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>Checks an appended batch against an ingest's declared schema before anything of it is stored.</summary>
public static class IngestBatchValidator
{
    /// <summary>Throws naming the column (and row) of the first mismatch: a missing, extra or differently typed column, or a null in a NOT NULL column.</summary>
    /// <exception cref="ArgumentException">The batch does not match; nothing of it may be appended.</exception>
    public static void Validate(string ingest, Schema declared, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(batch);
        var fields = declared.FieldsList;
        var actual = batch.Schema.FieldsList;
        for (int c = 0; c < fields.Count; c++)
        {
            var field = fields[c];
            if (c >= actual.Count)
                throw new ArgumentException($"Ingest '{ingest}': the batch has no column '{field.Name}' (declared schema: {DataTypes.ToDdl(declared)}); nothing was appended.");
            if (!string.Equals(actual[c].Name, field.Name, StringComparison.Ordinal))
                throw new ArgumentException($"Ingest '{ingest}': column {c} is '{actual[c].Name}' but the declared schema has '{field.Name}' there ({DataTypes.ToDdl(declared)}); nothing was appended.");
            if (!DataTypes.SameType(actual[c].DataType, field.DataType))
                throw new ArgumentException($"Ingest '{ingest}': column '{field.Name}' is {DataTypes.ToDdl(actual[c].DataType)} but was declared {DataTypes.ToDdl(field.DataType)}; nothing was appended.");
            if (!field.IsNullable && batch.Column(c).NullCount > 0)
            {
                var column = batch.Column(c);
                int row = 0;
                while (!column.IsNull(row)) row++;
                throw new ArgumentException($"Ingest '{ingest}': row {row}, column '{field.Name}' is null but the column is NOT NULL; nothing was appended.");
            }
        }
        if (actual.Count > fields.Count)
            throw new ArgumentException($"Ingest '{ingest}': column '{actual[fields.Count].Name}' is not in the declared schema ({DataTypes.ToDdl(declared)}); nothing was appended.");
    }
}
