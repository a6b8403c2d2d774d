namespace OrleansStream.Client;

/// <summary>Which keyed state a live lookup reads.</summary>
public sealed record LookupOptions
{
    /// <summary>
    /// The stateful operator, by its id (its index among the progress's state operators); null: the query's last
    /// (or only) one.
    /// </summary>
    public int? OperatorId { get; init; }
}
