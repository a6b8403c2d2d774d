using Apache.Arrow;

namespace OrleansStream.Engine.Operators.Deduplication;

/// <summary>The input side of dropDuplicates: rows travel as they are, routed on the key columns.</summary>
public sealed class DeduplicationExchangeWriter : GatheringExchangeWriter
{
    /// <summary>Creates the writer for rows of <paramref name="schema"/> keyed on <paramref name="keyColumns"/>.</summary>
    public DeduplicationExchangeWriter(Schema schema, IReadOnlyList<int> keyColumns) : base(schema)
    {
        ExchangeSchema = schema;
        RoutingColumns = keyColumns ?? throw new ArgumentNullException(nameof(keyColumns));
    }

    /// <inheritdoc />
    public override Schema ExchangeSchema { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> RoutingColumns { get; }
}
