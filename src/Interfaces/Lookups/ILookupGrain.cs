namespace OrleansStream.Interfaces.Lookups;

/// <summary>
/// Answers live lookups of a query's keyed state (keyed like the query, by its checkpoint location; a stateless worker in
/// every silo): checks the keys against the operator's grouping key, routes each to the state partition that owns it and
/// gathers the answers, all at the query's last committed epoch.
/// </summary>
[Alias("OrleansStream.ILookupGrain")]
public interface ILookupGrain : IGrainWithStringKey
{
    /// <summary>The current rows of <paramref name="keys"/> in the state of keyed operator <paramref name="operatorId"/> (null: the last).</summary>
    /// <exception cref="ArgumentException">A key's arity or a value's type does not match the grouping key, or there is no such operator.</exception>
    /// <exception cref="InvalidOperationException">The query is not active, or its operator does not answer lookups.</exception>
    [Alias("Lookup")] Task<LookupAnswer> LookupAsync(int? operatorId, IReadOnlyList<object?[]> keys);

    /// <summary>At most <paramref name="limit"/> rows of the operator's state.</summary>
    [Alias("Scan")] Task<LookupAnswer> ScanAsync(int? operatorId, int limit);
}
