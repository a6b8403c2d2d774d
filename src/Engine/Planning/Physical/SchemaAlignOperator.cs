using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>Casts and renames the columns of a union branch, by position, to the union's output schema.</summary>
internal sealed class SchemaAlignOperator(Schema target) : IBatchOperator
{
    public Schema OutputSchema { get; } = target;

    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        var columns = new IArrowArray[OutputSchema.FieldsList.Count];
        for (var i = 0; i < columns.Length; i++) columns[i] = CastKernels.Cast(input.Column(i), OutputSchema.FieldsList[i].DataType);
        return new RecordBatch(OutputSchema, columns, input.Length);
    }
}
