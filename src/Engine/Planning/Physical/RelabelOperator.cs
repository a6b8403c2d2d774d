using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>Gives batches a schema of the same columns under other names or metadata, without copying a column (the
/// query's output leaves qualifiers behind this way).</summary>
internal sealed class RelabelOperator(Schema target) : IBatchOperator
{
    public Schema OutputSchema { get; } = target;

    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        var columns = new IArrowArray[input.ColumnCount];
        for (var i = 0; i < columns.Length; i++) columns[i] = input.Column(i);
        return new RecordBatch(OutputSchema, columns, input.Length);
    }
}
