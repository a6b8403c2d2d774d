using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators.Aggregation.Accumulators;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Column-wise accumulators for a list of aggregates, indexed by slot (see <see cref="State.KeyTable"/>). Storage is typed per
/// accumulator kind (long/double/Int128 arrays with validity flags; byte strings only for min/max/first/last of strings
/// and binaries; one sketch per group for approx_count_distinct), and each operation costs one virtual call per aggregate
/// per batch.
/// </summary>
/// <remarks>
/// A negative slot means "no slot": <see cref="Update"/> and <see cref="Merge"/> skip the row, <see cref="WritePartial"/> and
/// <see cref="Evaluate"/> write nulls for it. Slots past the previous capacity start empty. Not thread-safe.
/// </remarks>
public sealed class AggregateBuffers
{
    private readonly Accumulator[] _accumulators;
    private readonly int[] _firstField;
    private readonly Field[] _fields;
    private readonly Field[] _resultFields;

    /// <summary>Creates empty buffers for <paramref name="aggregates"/>.</summary>
    /// <exception cref="AnalysisException">An aggregate's function or argument type is invalid.</exception>
    /// <exception cref="NotSupportedException">An aggregate is valid Spark but not supported here.</exception>
    public AggregateBuffers(IReadOnlyList<AggregateSpec> aggregates)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        Aggregates = aggregates;
        _accumulators = new Accumulator[aggregates.Count];
        _firstField = new int[aggregates.Count];
        _resultFields = new Field[aggregates.Count];
        var fields = new List<Field>();
        for (var i = 0; i < aggregates.Count; i++)
        {
            var spec = aggregates[i] ?? throw new ArgumentException($"Aggregate {i} is null.", nameof(aggregates));
            _accumulators[i] = Create(i, spec);
            _firstField[i] = fields.Count;
            fields.AddRange(_accumulators[i].BufferFields);
            _resultFields[i] = new Field("_agg" + i, _accumulators[i].ResultType, spec.ResultNullable);
        }
        _fields = fields.ToArray();
    }

    /// <summary>The aggregates, in order.</summary>
    public IReadOnlyList<AggregateSpec> Aggregates { get; }

    /// <summary>The partial-buffer columns of every aggregate, in aggregate order, named <c>_agg{i}_{buffer}</c>
    /// (count → count; sum → sum, plus isEmpty for decimals; avg → sum, count; min → min; max → max;
    /// first → first, valueSet; last → last, valueSet; approx_count_distinct → hll).</summary>
    public IReadOnlyList<Field> Fields => _fields;

    /// <summary>The final value column of every aggregate, named <c>_agg{i}</c>.</summary>
    public IReadOnlyList<Field> ResultFields => _resultFields;

    /// <summary>Number of slots the buffers hold.</summary>
    public int Capacity => _accumulators.Length == 0 ? int.MaxValue : _accumulators[0].Capacity;

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes
    {
        get
        {
            var total = 0L;
            foreach (var a in _accumulators) total += a.EstimatedBytes;
            return total;
        }
    }

    /// <summary>Grows the buffers to hold slots [0, <paramref name="slots"/>); new slots are empty.</summary>
    public void EnsureCapacity(int slots)
    {
        foreach (var a in _accumulators) a.EnsureCapacity(slots);
    }

    /// <summary>Adds raw rows: row r of each input goes to <c>slots[r]</c>. <c>inputs[i]</c> is the argument column of aggregate i
    /// (null for count(*)), with <c>slots.Length</c> rows.</summary>
    /// <exception cref="ArgumentException">An input is missing, too short or of the wrong type.</exception>
    public void Update(ReadOnlySpan<int> slots, IReadOnlyList<IArrowArray?> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != _accumulators.Length)
            throw new ArgumentException($"Expected {_accumulators.Length} input columns but got {inputs.Count}.", nameof(inputs));
        for (var i = 0; i < _accumulators.Length; i++)
        {
            var input = inputs[i];
            var expected = Aggregates[i].InputType;
            if (input is null)
            {
                if (expected is not null)
                    throw new ArgumentException($"Aggregate {i} ({Aggregates[i].Function}) needs an input column.", nameof(inputs));
            }
            else
            {
                if (input.Length < slots.Length)
                    throw new ArgumentException($"Input {i} has {input.Length} rows, fewer than {slots.Length}.", nameof(inputs));
                var actual = input.Data.DataType;
                if (expected is not null && actual.TypeId != expected.TypeId && actual.TypeId != ArrowTypeId.Null)
                    throw new ArgumentException(
                        $"Input {i} of {Aggregates[i].Function} should be {DataTypes.ToDdl(expected)} but is {DataTypes.ToDdl(actual)}.", nameof(inputs));
            }
            _accumulators[i].Update(slots, input);
        }
    }

    /// <summary>Merges partial rows: the buffer columns of row r (starting at column <paramref name="firstBufferColumn"/> of
    /// <paramref name="partial"/>, laid out as <see cref="Fields"/>) go into <c>slots[r]</c>, in row order (so first/last follow it).</summary>
    public void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstBufferColumn)
    {
        CheckPartial(slots, partial, firstBufferColumn);
        for (var i = 0; i < _accumulators.Length; i++) _accumulators[i].Merge(slots, partial, firstBufferColumn + _firstField[i]);
    }

    /// <summary>Replaces the buffers of <c>slots[r]</c> with partial row r (a reset then a merge), for loading saved state.
    /// A slot must not repeat within one call.</summary>
    public void Replace(ReadOnlySpan<int> slots, RecordBatch partial, int firstBufferColumn)
    {
        CheckPartial(slots, partial, firstBufferColumn);
        foreach (var a in _accumulators) a.Reset(NonNegative(slots));
        Merge(slots, partial, firstBufferColumn);
    }

    /// <summary>Merges slot <paramref name="source"/> into <paramref name="target"/>, taking source's rows to have arrived after
    /// target's (for merging session windows). The source slot is left as it was.</summary>
    public void MergeSlot(int target, int source)
    {
        foreach (var a in _accumulators) a.MergeSlot(target, source);
    }

    /// <summary>Returns one slot to the empty state.</summary>
    public void Reset(int slot) => Reset(new ReadOnlySpan<int>(in slot));

    /// <summary>Returns slots to the empty state (negative slots are ignored).</summary>
    public void Reset(ReadOnlySpan<int> slots)
    {
        var valid = NonNegative(slots);
        foreach (var a in _accumulators) a.Reset(valid);
    }

    /// <summary>Returns every slot to the empty state, keeping the capacity.</summary>
    public void Clear()
    {
        foreach (var a in _accumulators) a.ResetAll();
    }

    /// <summary>The partial buffers of <paramref name="slots"/>, one column per <see cref="Fields"/> entry; the fixed-width ones
    /// rented from <paramref name="buffers"/> (the owner of the batch they go into) when there is one.</summary>
    public IArrowArray[] WritePartial(ReadOnlySpan<int> slots, BatchBuffers? buffers = null)
    {
        var output = new IArrowArray[_fields.Length];
        for (var i = 0; i < _accumulators.Length; i++) _accumulators[i].WritePartial(slots, output, _firstField[i], buffers);
        return output;
    }

    /// <summary>The final values of <paramref name="slots"/>, one column per aggregate (<see cref="ResultFields"/>); fixed-width
    /// ones rented from <paramref name="buffers"/>, the owner of the batch they go into, when there is one.</summary>
    public IArrowArray[] Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers = null)
    {
        var output = new IArrowArray[_accumulators.Length];
        for (var i = 0; i < output.Length; i++) output[i] = _accumulators[i].Evaluate(slots, buffers);
        return output;
    }

    private void CheckPartial(ReadOnlySpan<int> slots, RecordBatch partial, int firstBufferColumn)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (firstBufferColumn < 0 || partial.ColumnCount < firstBufferColumn + _fields.Length)
            throw new ArgumentException(
                $"The partial batch has {partial.ColumnCount} columns; expected {_fields.Length} buffer columns from column {firstBufferColumn}.", nameof(partial));
        if (partial.Length < slots.Length)
            throw new ArgumentException($"The partial batch has {partial.Length} rows, fewer than {slots.Length}.", nameof(partial));
    }

    private static ReadOnlySpan<int> NonNegative(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            if (s >= 0) continue;
            var copy = new List<int>(slots.Length);
            foreach (var t in slots)
                if (t >= 0) copy.Add(t);
            return copy.ToArray();
        }
        return slots;
    }

    private static Accumulator Create(int index, AggregateSpec spec)
    {
        var kind = spec.Kind;
        var type = spec.InputType;
        switch (kind)
        {
            case AggregateKind.Count:
                return new CountAccumulator(index);
            case AggregateKind.ApproxCountDistinct:
                return new ApproxCountDistinctAccumulator(index);
            case AggregateKind.Sum or AggregateKind.Average:
            {
                var average = kind == AggregateKind.Average;
                if (type is Decimal128Type dec) return new DecimalSumAccumulator(index, dec, average);
                if (!average && type!.TypeId is ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.Null)
                    return new LongSumAccumulator(index);
                return new DoubleSumAccumulator(index, average);
            }
            case AggregateKind.Min or AggregateKind.Max:
            {
                var max = kind == AggregateKind.Max;
                return type!.TypeId switch
                {
                    ArrowTypeId.Boolean => new MinMaxAccumulator<byte, NumberOrder<byte>>(index, type, max),
                    ArrowTypeId.Int8 => new MinMaxAccumulator<sbyte, NumberOrder<sbyte>>(index, type, max),
                    ArrowTypeId.Int16 => new MinMaxAccumulator<short, NumberOrder<short>>(index, type, max),
                    ArrowTypeId.Int32 or ArrowTypeId.Date32 => new MinMaxAccumulator<int, NumberOrder<int>>(index, type, max),
                    ArrowTypeId.Int64 or ArrowTypeId.Timestamp => new MinMaxAccumulator<long, NumberOrder<long>>(index, type, max),
                    ArrowTypeId.Float => new MinMaxAccumulator<float, FloatingOrder<float>>(index, type, max),
                    ArrowTypeId.Double => new MinMaxAccumulator<double, FloatingOrder<double>>(index, type, max),
                    ArrowTypeId.Decimal128 => new MinMaxAccumulator<Int128, NumberOrder<Int128>>(index, type, max),
                    _ => new BytesMinMaxAccumulator(index, type, max),
                };
            }
            default:
            {
                var last = kind == AggregateKind.Last;
                return type!.TypeId switch
                {
                    ArrowTypeId.Boolean or ArrowTypeId.Int8 => new FirstLastAccumulator<byte>(index, type, last),
                    ArrowTypeId.Int16 => new FirstLastAccumulator<short>(index, type, last),
                    ArrowTypeId.Int32 or ArrowTypeId.Date32 or ArrowTypeId.Float => new FirstLastAccumulator<int>(index, type, last),
                    ArrowTypeId.Int64 or ArrowTypeId.Timestamp or ArrowTypeId.Double => new FirstLastAccumulator<long>(index, type, last),
                    ArrowTypeId.Decimal128 => new FirstLastAccumulator<Int128>(index, type, last),
                    _ => new BytesFirstLastAccumulator(index, type, last),
                };
            }
        }
    }
}
