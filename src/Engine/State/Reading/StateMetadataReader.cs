using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Operators.Stateful;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.State.Reading;

/// <summary>
/// Spark's state metadata source (<c>Read.Format("state-metadata")</c>): a row per stateful operator and store with
/// <c>operatorId</c> (what <c>statestore</c>'s operatorId option takes), <c>operatorName</c>, <c>stateStoreName</c>,
/// <c>numPartitions</c>, <c>minBatchId</c> and <c>maxBatchId</c> (the committed batches its state can be read at) and
/// <c>operatorProperties</c> (JSON: a transformWithState operator's time mode and state variables; a join's sides).
/// </summary>
public sealed class StateMetadataReader
{
    /// <summary>The schema of the listing.</summary>
    public static readonly Schema Schema = new(
    [
        new Field("operatorId", Int32Type.Default, false),
        new Field("operatorName", StringType.Default, false),
        new Field("stateStoreName", StringType.Default, false),
        new Field("numPartitions", Int32Type.Default, false),
        new Field("minBatchId", Int64Type.Default, false),
        new Field("maxBatchId", Int64Type.Default, false),
        new Field("operatorProperties", StringType.Default, true),
    ], null);

    private readonly VersionedStateStore _files;
    private readonly IServiceProvider? _services;

    /// <summary>Creates a reader of the state in <paramref name="store"/>; <paramref name="services"/> create user processors.</summary>
    public StateMetadataReader(ICheckpointStore store, IServiceProvider? services = null)
    {
        _files = new VersionedStateStore(store ?? throw new ArgumentNullException(nameof(store)));
        _services = services;
    }

    /// <summary>Lists the operators of <paramref name="checkpoint"/>.</summary>
    /// <exception cref="Plan.AnalysisException">Nothing was committed at the location.</exception>
    public async Task<RecordBatch> ReadAsync(StateCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.LastCommitted < 0) throw StateDataSourceErrors.CommittedBatchUnavailable(checkpoint.Location);
        var rows = new List<object?[]>();
        for (var id = 0; id < checkpoint.StatefulStages.Count; id++)
        {
            var stage = checkpoint.StatefulStages[id];
            var spec = stage.Operator!;
            var partitions = checkpoint.PartitionsOf(stage, checkpoint.LastCommitted);
            var min = 0L;
            for (var p = 0; p < partitions; p++)
                min = Math.Max(min, await _files.OldestReadableVersionAsync(checkpoint.PartitionLocation(stage, p, partitions).Directory(), cancellationToken).ConfigureAwait(false));
            rows.Add([id, spec.Name, StateSourceOptions.DefaultStoreName, partitions, Math.Min(min, checkpoint.LastCommitted), checkpoint.LastCommitted, Properties(spec, checkpoint.OutputMode)]);
        }
        return ArrowValues.FromRows(Schema, rows);
    }

    private string? Properties(KeyedOperatorSpec spec, string outputMode)
    {
        switch (spec)
        {
            case JoinOperatorSpec:
                return JsonSerializer.Serialize(new { joinSides = new[] { "left", "right" } });
            case TransformWithStateOperatorSpec tws:
            {
                var state = tws.CreateOperator(outputMode, _services);
                try
                {
                    var (store, variables) = StateTableReader.DeclaredStateOf(state);
                    var declared = store.Families.Where(f => f.Kind != StateFamilyKind.Timers && variables.ContainsKey(f.Name))
                        .Select(f => new { stateName = f.Name, stateVariableType = f.Kind + "State", ttlEnabled = f.TtlMicros is not null });
                    return JsonSerializer.Serialize(new { timeMode = tws.TimeMode.ToString(), stateVariables = declared });
                }
                finally
                {
                    (state as IDisposable)?.Dispose();
                }
            }
            default:
                return null;
        }
    }
}
