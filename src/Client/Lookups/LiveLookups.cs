using OrleansStream.Interfaces.Lookups;

namespace OrleansStream.Client;

/// <summary>Live lookups of a query's keyed state through the cluster's lookup grain; rows are made here, at the API edge.</summary>
internal static class LiveLookups
{
    public static async Task<IReadOnlyList<Row?>> LookupAsync(IClusterClient client, string queryKey, IEnumerable<object?[]> keys, LookupOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var asked = keys.ToList();
        var answer = await client.GetGrain<ILookupGrain>(queryKey).LookupAsync(options?.OperatorId, asked).WaitAsync(cancellationToken).ConfigureAwait(false);
        var rows = new Row?[asked.Count];
        for (var p = 0; p < answer.Keys.Count; p++)
        {
            var found = Row.FromBatch(ArrowIpc.Deserialize(answer.Rows[p]));
            var next = 0;
            for (var i = 0; i < answer.Keys[p].Length; i++)
                if (answer.Found[p][i]) rows[answer.Keys[p][i]] = found[next++];
        }
        return rows;
    }

    public static async Task<IReadOnlyList<Row>> ScanAsync(IClusterClient client, string queryKey, int limit, LookupOptions? options, CancellationToken cancellationToken)
    {
        var answer = await client.GetGrain<ILookupGrain>(queryKey).ScanAsync(options?.OperatorId, limit).WaitAsync(cancellationToken).ConfigureAwait(false);
        return answer.Rows.SelectMany(r => Row.FromBatch(ArrowIpc.Deserialize(r))).Take(limit).ToList();
    }
}
