using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Join;
using OrleansStream.Engine.Operators.Stateful;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.State.Reading;

/// <summary>
/// Spark's state data source (<c>Read.Format("statestore")</c>): one stateful operator's state at a committed batch as a
/// table of <c>key</c> (a struct of the key columns), the value columns and <c>partition_id</c>, read from every partition's
/// committed version without changing anything in the checkpoint. Aggregations give their buffers, deduplication the
/// expiry of each key, a stream-stream join the rows buffered on one side (<c>joinSide</c>), transformWithState one state
/// variable (<c>stateVarName</c>: value, list elements or map entries, decoded to the variable's type) or its timers
/// (<c>readRegisteredTimers</c>), (flat)mapGroupsWithState each group's state (decoded to the function's state type) and
/// timeout.
/// </summary>
public sealed class StateTableReader
{
    private const string PartitionColumn = "partition_id";
    private readonly VersionedStateStore _files;
    private readonly IServiceProvider? _services;

    /// <summary>Creates a reader of the state in <paramref name="store"/>; <paramref name="services"/> create user processors.</summary>
    public StateTableReader(ICheckpointStore store, IServiceProvider? services = null)
    {
        _files = new VersionedStateStore(store ?? throw new ArgumentNullException(nameof(store)));
        _services = services;
    }

    /// <summary>Reads the state <paramref name="options"/> select.</summary>
    /// <exception cref="Plan.AnalysisException">An option does not fit the checkpoint (Spark's STDS_* errors).</exception>
    public async Task<RecordBatch> ReadAsync(StateCheckpoint checkpoint, StateSourceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(options);
        var batchId = ResolveBatch(checkpoint, options);
        var stage = ResolveOperator(checkpoint, options);
        CheckOptions(stage.Operator!, options);
        var partitions = checkpoint.PartitionsOf(stage, batchId);
        var pieces = new List<RecordBatch>();
        for (var p = 0; p < partitions; p++) pieces.Add(await ReadPartitionAsync(checkpoint, stage, options, batchId, p, partitions, cancellationToken).ConfigureAwait(false));
        return ArrowValues.Concat(pieces[0].Schema, pieces);
    }

    /// <summary>The batch to read: the one given, which must be committed, or the last committed.</summary>
    private static long ResolveBatch(StateCheckpoint checkpoint, StateSourceOptions options)
    {
        if (checkpoint.LastCommitted < 0) throw StateDataSourceErrors.CommittedBatchUnavailable(checkpoint.Location);
        var batchId = options.BatchId ?? checkpoint.LastCommitted;
        return batchId <= checkpoint.LastCommitted ? batchId : throw StateDataSourceErrors.OffsetLogUnavailable(batchId, checkpoint.Location);
    }

    /// <summary>The keyed stage of operator <see cref="StateSourceOptions.OperatorId"/>.</summary>
    private static Stage ResolveOperator(StateCheckpoint checkpoint, StateSourceOptions options)
    {
        var stages = checkpoint.StatefulStages;
        if (stages.Count == 0) throw StateDataSourceErrors.FailedToReadStateSchema(options, "The query has no stateful operator.");
        if (options.OperatorId >= stages.Count)
            throw StateDataSourceErrors.InvalidOptionValue("operatorId", string.Create(CultureInfo.InvariantCulture,
                $"operator {options.OperatorId} does not exist; the query has {stages.Count} stateful operator(s): {string.Join(", ", stages.Select((s, i) => $"{i} ({s.Operator!.Name})"))}"));
        return stages[options.OperatorId];
    }

    private static void CheckOptions(KeyedOperatorSpec spec, StateSourceOptions options)
    {
        var isJoin = spec is JoinOperatorSpec;
        var isTws = spec is TransformWithStateOperatorSpec;
        if (!isTws && options.StateVarName is not null)
            throw StateDataSourceErrors.InvalidOptionValue("stateVarName", $"state variables exist only in a transformWithState operator, and operator {options.OperatorId} is {spec.Name}");
        if (!isTws && options.ReadRegisteredTimers)
            throw StateDataSourceErrors.InvalidOptionValue("readRegisteredTimers", $"timers exist only in a transformWithState operator, and operator {options.OperatorId} is {spec.Name}");
        if (!isJoin && options.JoinSide != "none")
            throw StateDataSourceErrors.InvalidOptionValue("joinSide", $"only a stream-stream join has sides, and operator {options.OperatorId} is {spec.Name}");
        if (isJoin && options.JoinSide == "none") throw StateDataSourceErrors.RequiredOptionUnspecified("joinSide");
        if (isTws && options.StateVarName is null && !options.ReadRegisteredTimers) throw StateDataSourceErrors.RequiredOptionUnspecified("stateVarName");
        if (options.StoreName != StateSourceOptions.DefaultStoreName)
            throw StateDataSourceErrors.InvalidOptionValue("storeName", $"operator {options.OperatorId} ({spec.Name}) has one store, '{StateSourceOptions.DefaultStoreName}'");
    }

    private async Task<RecordBatch> ReadPartitionAsync(StateCheckpoint checkpoint, Stage stage, StateSourceOptions options, long batchId, int partition,
        int partitions, CancellationToken cancellationToken)
    {
        var spec = stage.Operator!;
        for (var attempt = 0; ; attempt++)
        {
            var state = spec.CreateOperator(checkpoint.OutputMode, _services);
            try
            {
                await _files.ReadVersionAsync(state, checkpoint.PartitionLocation(stage, partition, partitions), partitions, batchId, cancellationToken).ConfigureAwait(false);
                return Table(spec, state, options, partition);
            }
            // A clean-up deleted a delta between listing and reading (a newer snapshot replaced it): read again.
            catch (StateFileVanishedException) when (attempt < 2)
            {
            }
            catch (StateVersionCleanedUpException e)
            {
                throw StateDataSourceErrors.InvalidOptionValue("batchId", string.Create(CultureInfo.InvariantCulture,
                    $"the state of batch {batchId} was cleaned up; operator {options.OperatorId} keeps batches from {e.OldestReadable} (the state-metadata source lists minBatchId)"));
            }
            finally
            {
                (state as IDisposable)?.Dispose();
            }
        }
    }

    private static RecordBatch Table(KeyedOperatorSpec spec, IStatefulOperator state, StateSourceOptions options, int partition) => spec switch
    {
        AggregationOperatorSpec aggregation => AggregationTable(aggregation, state.Snapshot(), partition),
        DeduplicationOperatorSpec => DeduplicationTable(state.Snapshot(), partition),
        JoinOperatorSpec join => JoinTable(join, (JoinOperator)state, options.JoinSide == "left" ? 0 : 1, partition),
        TransformWithStateOperatorSpec => TransformWithStateTable(DeclaredStateOf(state), options, partition),
        FlatMapGroupsWithStateOperatorSpec => GroupStateTable((FlatMapGroupsWithStateOperator)state, partition),
        _ => throw StateDataSourceErrors.InvalidOptionValue("operatorId", $"reading the state of {spec.Name} (operator {options.OperatorId}) is not supported yet"),
    };

    /// <summary>The state variables a transformWithState operator (synchronous or asynchronous) declared, with its store.</summary>
    internal static (KeyedStateStore Store, IReadOnlyDictionary<string, object> Variables) DeclaredStateOf(IStatefulOperator state) => state switch
    {
        TransformWithStateOperator sync => sync.DeclaredState,
        AsyncTransformWithStateOperator async => async.DeclaredState,
        _ => throw new ArgumentException($"{state.GetType().Name} is not a transformWithState operator.", nameof(state)),
    };

    // Spark's state format 2: value is a struct of "groupState" (the state, decoded to the function's TState) and
    // "timeoutTimestamp" (ms; -1, Spark's NO_TIMESTAMP, when no timeout is set).
    private static RecordBatch GroupStateTable(FlatMapGroupsWithStateOperator state, int partition)
    {
        var (store, type) = state.ReadableState;
        var keys = state.StoredKeys();
        var timeouts = new Int64Array.Builder();
        foreach (var key in keys) timeouts.Append(state.TimeoutOf(key) ?? -1);
        return Build(keys.Count, KeyFields(store, keys), [("value",
        [
            (new Field("groupState", StateValueColumns.TypeOf(type), true), StateValueColumns.Column(type, keys.Select(state.StateOf).ToList())),
            (new Field("timeoutTimestamp", Int64Type.Default, false), timeouts.Build()),
        ])], partition);
    }

    // "__deleted", the grouping key (a time or session window as two columns), then the buffers "_agg{i}_{buffer}". The key
    // takes the grouping's output names, a window as its struct of start and end; the buffers are named as Spark's value
    // columns are (count, sum, max...), or "{output}_{buffer}" where two aggregates keep a buffer of one name.
    private static RecordBatch AggregationTable(AggregationOperatorSpec spec, RecordBatch snapshot, int partition)
    {
        var binding = spec.Binding;
        var names = (binding.OutputSchema.FieldsList.Count == binding.Keys.Count + binding.Aggregates.Count ? binding.OutputSchema : binding.ResultSchema)
            .FieldsList.Select(f => f.Name).ToList();
        var key = new List<(Field, IArrowArray)>();
        for (var i = 0; i < binding.Keys.Count; i++)
        {
            var column = 1 + binding.StateColumnOf(i);
            if (binding.Keys[i].Kind == GroupingKind.Plain)
            {
                key.Add((new Field(names[i], snapshot.Schema.FieldsList[column].DataType, true), snapshot.Column(column)));
                continue;
            }
            var window = new StructType([new Field("start", snapshot.Schema.FieldsList[column].DataType, true), new Field("end", snapshot.Schema.FieldsList[column + 1].DataType, true)]);
            key.Add((new Field(names[i], window, true), new StructArray(window, snapshot.Length, [snapshot.Column(column), snapshot.Column(column + 1)], ArrowBuffer.Empty, 0)));
        }
        var valueStart = 1 + binding.StateKeySchema.FieldsList.Count;
        var valueFields = snapshot.Schema.FieldsList.Skip(valueStart).ToList();
        var buffers = valueFields.Select(f => BufferName(f.Name)).ToList();
        var values = new List<(Field, IArrowArray)>();
        for (var i = 0; i < valueFields.Count; i++)
        {
            var (aggregate, buffer) = buffers[i];
            var name = buffers.Count(n => n.Buffer == buffer) == 1 ? buffer : $"{names[binding.Keys.Count + aggregate]}_{buffer}";
            values.Add((new Field(name, valueFields[i].DataType, true), snapshot.Column(valueStart + i)));
        }
        return Build(snapshot.Length, key, [("value", values)], partition);
    }

    private static (int Aggregate, string Buffer) BufferName(string field)
    {
        // "_agg3_sum" -> (3, "sum")
        var rest = field[4..];
        var cut = rest.IndexOf('_', StringComparison.Ordinal);
        return (int.Parse(rest[..cut], CultureInfo.InvariantCulture), rest[(cut + 1)..]);
    }

    // "__deleted", the key, "__expiry" (µs; long.MaxValue when there is no watermark and the key never expires).
    private static RecordBatch DeduplicationTable(RecordBatch snapshot, int partition)
    {
        var keyCount = snapshot.ColumnCount - 2;
        var expiry = (Int64Array)snapshot.Column(snapshot.ColumnCount - 1);
        var builder = new Int64Array.Builder();
        for (var r = 0; r < expiry.Length; r++)
        {
            if (expiry.GetValue(r) is { } v && v != long.MaxValue) builder.Append(v);
            else builder.AppendNull();
        }
        return Build(snapshot.Length, Columns(snapshot, 1, keyCount), [("value", [(new Field("expiresAtMicros", Int64Type.Default, true), builder.Build())])], partition);
    }

    // The rows buffered on one side: the join key (the side's key columns) and the whole row as the value.
    private static RecordBatch JoinTable(JoinOperatorSpec spec, JoinOperator join, int side, int partition)
    {
        var rows = join.BufferedRows(side);
        var keys = side == 0 ? spec.LeftKeys : spec.RightKeys;
        var key = keys.Select(c => (new Field(rows.Schema.FieldsList[c].Name, rows.Schema.FieldsList[c].DataType, true), rows.Column(c))).ToList();
        var value = rows.Schema.FieldsList.Select((f, i) => (new Field(f.Name, f.DataType, true), rows.Column(i))).ToList();
        return Build(rows.Length, key, [("value", value)], partition);
    }

    private static RecordBatch TransformWithStateTable((KeyedStateStore Store, IReadOnlyDictionary<string, object> Variables) declared, StateSourceOptions options, int partition)
    {
        var (store, variables) = declared;
        if (options.ReadRegisteredTimers)
        {
            var timers = store.Timers.All();
            var expiry = new Int64Array.Builder();
            foreach (var t in timers) expiry.Append(t.TimeMicros / 1000);
            return Build(timers.Count, KeyFields(store, timers.Select(t => t.Key).ToList()), [], partition,
                [(new Field("expiration_timestamp_ms", Int64Type.Default, false), expiry.Build())]);
        }
        var name = options.StateVarName!;
        var family = store.Families.FirstOrDefault(f => f.Name == name && f.Kind != StateFamilyKind.Timers);
        if (family is null || !variables.TryGetValue(name, out var variable))
            throw StateDataSourceErrors.InvalidOptionValue("stateVarName", $"the processor declares no state variable '{name}'; it declares {string.Join(", ", variables.Keys.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))}");
        var types = variable.GetType().GetGenericArguments();
        switch (family)
        {
            case ValueStateFamily value:
            {
                var keys = value.Keys.Order().ToList();
                return Build(keys.Count, KeyFields(store, keys), [], partition,
                    [(new Field("value", StateValueColumns.TypeOf(types[0]), true), StateValueColumns.Column(types[0], keys.Select(k => value.Get(k)!).ToList()))]);
            }
            case ListStateFamily list when options.FlattenCollectionTypes:
            {
                var entries = list.Keys.Order().SelectMany(k => list.Get(k).Select(item => (Key: k, Item: item))).ToList();
                return Build(entries.Count, KeyFields(store, entries.Select(e => e.Key).ToList()), [], partition,
                    [(new Field("list_element", StateValueColumns.TypeOf(types[0]), true), StateValueColumns.Column(types[0], entries.Select(e => e.Item).ToList()))]);
            }
            case ListStateFamily list:
            {
                var keys = list.Keys.Order().ToList();
                var column = StateValueColumns.ListColumn(types[0], keys.Select(k => list.Get(k)).ToList());
                return Build(keys.Count, KeyFields(store, keys), [], partition, [(new Field("list_value", column.Data.DataType, true), column)]);
            }
            case MapStateFamily map when options.FlattenCollectionTypes:
            {
                var entries = map.Keys.Order().SelectMany(k => map.Entries(k).Select(e => (Key: k, Entry: e.Entry.Bytes.ToArray(), e.Value))).ToList();
                return Build(entries.Count, KeyFields(store, entries.Select(e => e.Key).ToList()), [], partition,
                [
                    (new Field("user_map_key", StateValueColumns.TypeOf(types[0]), true), StateValueColumns.Column(types[0], entries.Select(e => e.Entry).ToList())),
                    (new Field("user_map_value", StateValueColumns.TypeOf(types[1]), true), StateValueColumns.Column(types[1], entries.Select(e => e.Value).ToList())),
                ]);
            }
            case MapStateFamily map:
            {
                var keys = map.Keys.Order().ToList();
                var column = StateValueColumns.MapColumn(types[0], types[1],
                    keys.Select(k => (IReadOnlyList<(byte[], byte[])>)map.Entries(k).Select(e => (e.Entry.Bytes.ToArray(), e.Value)).ToList()).ToList());
                return Build(keys.Count, KeyFields(store, keys), [], partition, [(new Field("map_value", column.Data.DataType, true), column)]);
            }
            default:
                throw new NotSupportedException($"Reading state family '{name}' of kind {family.Kind} is not supported.");
        }
    }

    private static List<(Field, IArrowArray)> KeyFields(KeyedStateStore store, IReadOnlyList<StateKey> keys)
    {
        var columns = store.KeyColumns(keys);
        return store.KeySchema.FieldsList.Select((f, i) => (f, columns[i])).ToList();
    }

    private static List<(Field, IArrowArray)> Columns(RecordBatch batch, int start, int count) =>
        Enumerable.Range(start, count).Select(c => (batch.Schema.FieldsList[c], batch.Column(c))).ToList();

    // key struct, then each named struct, then the plain columns, then partition_id.
    private static RecordBatch Build(int length, List<(Field Field, IArrowArray Array)> key, IReadOnlyList<(string Name, List<(Field Field, IArrowArray Array)> Children)> structs,
        int partition, IReadOnlyList<(Field Field, IArrowArray Array)>? plain = null)
    {
        var fields = new List<Field>();
        var columns = new List<IArrowArray>();
        foreach (var (name, children) in new[] { ("key", key) }.Concat(structs))
        {
            var type = new StructType(children.Select(c => c.Field).ToList());
            fields.Add(new Field(name, type, false));
            columns.Add(new StructArray(type, length, children.Select(c => c.Array), ArrowBuffer.Empty, 0));
        }
        foreach (var (field, array) in plain ?? [])
        {
            fields.Add(field);
            columns.Add(array);
        }
        var partitions = new FixedColumnWriter<int>(length);
        partitions.Values.Fill(partition);
        fields.Add(new Field(PartitionColumn, Int32Type.Default, false));
        columns.Add(partitions.Build(Int32Type.Default));
        return new RecordBatch(new Schema(fields, null), columns, length);
    }
}
