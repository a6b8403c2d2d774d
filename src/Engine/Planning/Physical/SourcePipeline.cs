using System.Collections.Concurrent;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>The chain of stateless operators that carries one leaf's batches (a source or a local relation) to the root.</summary>
public sealed class SourcePipeline
{
    /// <summary>Creates a pipeline.</summary>
    /// <param name="leafId">See <see cref="LeafId"/>.</param>
    /// <param name="leaf">See <see cref="Leaf"/>.</param>
    /// <param name="inputSchema">See <see cref="InputSchema"/>.</param>
    /// <param name="operators">See <see cref="Operators"/>.</param>
    /// <param name="requiredColumns">The columns of <paramref name="inputSchema"/> the query reads (column pruning); null for all.</param>
    public SourcePipeline(string leafId, LogicalPlan leaf, Schema inputSchema, IReadOnlyList<IBatchOperator> operators, IReadOnlySet<string>? requiredColumns = null)
    {
        LeafId = leafId ?? throw new ArgumentNullException(nameof(leafId));
        Leaf = leaf ?? throw new ArgumentNullException(nameof(leaf));
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
        Operators = operators ?? throw new ArgumentNullException(nameof(operators));
        OutputSchema = operators.Count == 0 ? inputSchema : operators[^1].OutputSchema;
        _required = inputSchema.FieldsList.Select(f => requiredColumns is null || requiredColumns.Contains(f.Name)).ToArray();
        // A batch of no columns would lose its row count in some readers: a query that reads no column (count(*)) reads the first.
        if (_required.Length > 0 && !_required.Contains(true)) _required[0] = true;
        ReadSchema = _required.Contains(false)
            ? new Schema(inputSchema.FieldsList.Where((_, i) => _required[i]).ToList(), inputSchema.Metadata)
            : inputSchema;
        _nulls = new ConcurrentDictionary<int, IArrowArray>?[_required.Length];
    }

    private readonly bool[] _required;
    // The all-null stand-ins of unread columns, by column and batch length (sources cut their reads into a few lengths);
    // arrays are immutable, so a race only builds one twice.
    private const int MaxCachedNullLengths = 8;
    private readonly ConcurrentDictionary<int, IArrowArray>?[] _nulls;

    /// <summary><see cref="SourceRelation.SourceId"/>, or "local:{n}" for the n-th <see cref="LocalRelation"/> (0-based, left to right).</summary>
    public string LeafId { get; }

    /// <summary>The leaf node (a <see cref="SourceRelation"/> or a <see cref="LocalRelation"/>).</summary>
    public LogicalPlan Leaf { get; }

    /// <summary>The schema of the batches the leaf produces; the operators are built against it.</summary>
    public Schema InputSchema { get; }

    /// <summary>
    /// The columns of <see cref="InputSchema"/> the query reads, in its order (column pruning): a source that can decode only
    /// some columns decodes these and passes batches of this schema to <see cref="Run"/>. The same as
    /// <see cref="InputSchema"/> when every column is read.
    /// </summary>
    public Schema ReadSchema { get; }

    /// <summary>True when the query reads only some of the columns of <see cref="InputSchema"/>.</summary>
    public bool IsPruned => !ReferenceEquals(ReadSchema, InputSchema);

    /// <summary>The operators, applied in order.</summary>
    public IReadOnlyList<IBatchOperator> Operators { get; }

    /// <summary>The schema of every batch <see cref="Run"/> returns (the plan's output schema).</summary>
    public Schema OutputSchema { get; }

    /// <summary>Applies the operators to one batch of the leaf, of <see cref="InputSchema"/> or (a pruned read) of <see cref="ReadSchema"/>.</summary>
    public RecordBatch Run(RecordBatch input, EpochContext ctx)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (BatchBuffers.Of(input) is { } owner) ctx = ctx with { Buffers = owner };
        var batch = Widen(input);
        foreach (var op in Operators) batch = op.Process(batch, ctx);
        return batch;
    }

    // The operators resolve columns by position in InputSchema: a pruned read gets all-null stand-ins for the columns it
    // did not decode. Nothing reads them (that is what pruning proved), so their values cannot reach the result.
    private RecordBatch Widen(RecordBatch input)
    {
        if (!IsPruned || input.ColumnCount != ReadSchema.FieldsList.Count || input.ColumnCount == InputSchema.FieldsList.Count) return input;
        var columns = new IArrowArray[_required.Length];
        for (int i = 0, read = 0; i < columns.Length; i++)
        {
            if (_required[i])
            {
                columns[i] = input.Column(read++);
                continue;
            }
            var byLength = _nulls[i] ??= new ConcurrentDictionary<int, IArrowArray>();
            if (byLength.Count >= MaxCachedNullLengths) byLength.Clear();
            // Zeroed buffers: no per-row work.
            columns[i] = byLength.GetOrAdd(input.Length, static (length, type) => ArrayFactory.Nulls(type, length), InputSchema.FieldsList[i].DataType);
        }
        return new RecordBatch(InputSchema, columns, input.Length);
    }
}
