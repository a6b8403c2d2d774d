namespace OrleansStream.Interfaces.Queries;

/// <summary>
/// A call reached an activation of a query's trigger that another activation superseded: when a silo dies with the grain
/// directory's entry for the trigger, Orleans can briefly hold two, and the one whose checkpoint write loses steps down.
/// The query runs on; the same call made again reaches the current activation.
/// </summary>
[GenerateSerializer, Alias("OrleansStream.QueryCoordinatorMovedException")]
public sealed class QueryCoordinatorMovedException : OrleansException
{
    /// <summary>Creates the exception for the query whose checkpoint location is <paramref name="query"/>.</summary>
    public QueryCoordinatorMovedException(string query)
        : base($"Query {query}: this activation of its trigger was superseded by another, which runs the query on; call again.") { }
}
