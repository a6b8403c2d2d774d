using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.State;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.State;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Lookups;

namespace OrleansStream.Grains.Lookups;

/// <summary>
/// Routes live lookups of a query's keyed state (DESIGN.md §8): the trigger names the last committed epoch and its
/// partitions; the keys are checked against the operator's key, hashed to key groups as the exchange hashes rows, and each
/// partition that owns some answers from its copy of the state at that epoch. A partition ahead of the committed epoch (it
/// ran the next one, which is committing) is asked again once the commit is written.
/// </summary>
[StatelessWorker]
internal sealed class LookupGrain(ConnectorFactory connectors) : Grain, ILookupGrain
{
    /// <summary>The most rows a scan answers.</summary>
    public const int MaxScanLimit = 10_000;
    private static readonly TimeSpan NotReadyPatience = TimeSpan.FromSeconds(30);
    private readonly PlanCache _plans = new(connectors);
    private (string PlanJson, int StageId, Schema KeySchema)? _keySchema;

    public async Task<LookupAnswer> LookupAsync(int? operatorId, IReadOnlyList<object?[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var (target, stage) = await TargetAsync(operatorId);
        var batch = LookupKeys.Build(KeySchemaOf(target.PlanJson!, stage), keys);
        var numPartitions = target.StatePartitions[stage.Id];
        var owners = LookupKeys.Partitions(batch, target.NumKeyGroups, numPartitions);
        var batches = KeyGroupPartitioner.Split(batch, Enumerable.Range(0, batch.ColumnCount).ToList(), target.NumKeyGroups, numPartitions);
        var perPartition = Enumerable.Range(0, numPartitions).Where(p => batches[p] is not null)
            .Select(p => (Partition: p, Indices: Enumerable.Range(0, owners.Length).Where(k => owners[k] == p).ToArray(), Keys: batches[p]!)).ToList();
        return await AskAsync(target, stage, perPartition.Select(x => x.Indices).ToList(), (committed, i) => new PartitionLookupRequest
        {
            QueryKey = this.GetPrimaryKeyString(), PlanJson = target.PlanJson!, StageId = stage.Id, Committed = committed,
            KeysIpc = ArrowIpc.Serialize(perPartition[i].Keys),
            Partition = perPartition[i].Partition, NumPartitions = numPartitions, NumKeyGroups = target.NumKeyGroups,
        }, perPartition.Select(x => x.Partition).ToList());
    }

    public async Task<LookupAnswer> ScanAsync(int? operatorId, int limit)
    {
        if (limit is < 1 or > MaxScanLimit) throw new ArgumentOutOfRangeException(nameof(limit), limit, $"A scan answers 1 to {MaxScanLimit} rows; {limit} were asked for.");
        var (target, stage) = await TargetAsync(operatorId);
        var partitions = Enumerable.Range(0, target.StatePartitions[stage.Id]).ToList();
        var answer = await AskAsync(target, stage, partitions.Select(_ => System.Array.Empty<int>()).ToList(), (committed, i) => new PartitionLookupRequest
        {
            QueryKey = this.GetPrimaryKeyString(), PlanJson = target.PlanJson!, StageId = stage.Id, Committed = committed, ScanLimit = limit,
            Partition = i, NumPartitions = partitions.Count, NumKeyGroups = target.NumKeyGroups,
        }, partitions);
        return answer;
    }

    private async Task<(LookupTarget Target, Stage Stage)> TargetAsync(int? operatorId)
    {
        var trigger = GrainFactory.GetGrain<ITriggerGrain>(this.GetPrimaryKeyString());
        var target = await trigger.GetLookupTargetAsync();
        if (target.PlanJson is null) throw new InvalidOperationException($"Query '{this.GetPrimaryKeyString()}' is not active: live lookups need a running query.");
        var (plan, _) = _plans.Get(target.PlanJson);
        var keyed = plan.KeyedStages;
        if (keyed.Count == 0) throw new InvalidOperationException($"Query '{this.GetPrimaryKeyString()}' has no keyed state to look up.");
        if (operatorId is { } id && (id < 0 || id >= keyed.Count))
            throw new ArgumentException($"Query '{this.GetPrimaryKeyString()}' has no stateful operator {id}: its operators are {string.Join(", ", keyed.Select(s => $"{s.Id} ({s.Operator!.Name})"))}.", nameof(operatorId));
        var stage = keyed[operatorId ?? keyed.Count - 1];
        if (target.LastCommitted < 0 || !target.StatePartitions.ContainsKey(stage.Id))
            throw new InvalidOperationException($"Query '{this.GetPrimaryKeyString()}' has not committed an epoch yet: there is no state to look up.");
        return (target, stage);
    }

    private Schema KeySchemaOf(string planJson, Stage stage)
    {
        if (_keySchema is { } cached && cached.PlanJson == planJson && cached.StageId == stage.Id) return cached.KeySchema;
        // The operator's own key columns, from an empty operator (a transformWithState one runs its processor's Init).
        var op = stage.Operator switch
        {
            AggregationOperatorSpec { Binding.SessionKey: null } or DeduplicationOperatorSpec or TransformWithStateOperatorSpec or FlatMapGroupsWithStateOperatorSpec => stage.Operator.CreateOperator("update", ServiceProvider),
            var other => throw new InvalidOperationException($"Stateful operator {stage.Id} ({other!.Name}) does not answer live lookups; aggregations, dropDuplicates, (flat)mapGroupsWithState and transformWithState do."),
        };
        var schema = LookupReplica.LookupOf(op)!.LookupKeySchema;
        (op as IDisposable)?.Dispose();
        _keySchema = (planJson, stage.Id, schema);
        return schema;
    }

    // Partitions answer at the committed epoch; one that is ahead of it (its next epoch is committing) is asked again with the
    // epoch the trigger has committed since.
    private async Task<LookupAnswer> AskAsync(LookupTarget target, Stage stage, List<int[]> keys, Func<long, int, PartitionLookupRequest> request, List<int> partitions)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var committed = target.LastCommitted;
        while (true)
        {
            var results = await Task.WhenAll(partitions.Select((p, i) =>
                GrainFactory.GetGrain<IStatePartitionGrain>(Exchange.PartitionKey(this.GetPrimaryKeyString(), stage.Id, p)).LookupAsync(request(committed, i))));
            if (results.FirstOrDefault(r => r.NotReady is not null) is not { } waiting)
                return new LookupAnswer { BatchId = committed, Keys = keys, Found = results.Select(r => r.Found).ToList(), Rows = results.Select(r => r.Rows).ToList() };
            if (waited.Elapsed > NotReadyPatience)
                throw new TimeoutException($"A live lookup of query '{this.GetPrimaryKeyString()}' waited {NotReadyPatience.TotalSeconds:F0} s for its state at batch {committed}: {waiting.NotReady}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
            var latest = await GrainFactory.GetGrain<ITriggerGrain>(this.GetPrimaryKeyString()).GetLookupTargetAsync();
            if (latest.PlanJson != target.PlanJson || !latest.StatePartitions.TryGetValue(stage.Id, out var n) || n != target.StatePartitions[stage.Id])
                throw new InvalidOperationException($"Query '{this.GetPrimaryKeyString()}' was restarted or rescaled during a live lookup; ask again.");
            committed = latest.LastCommitted;
        }
    }
}
