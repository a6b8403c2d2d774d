namespace OrleansStream.Engine.Planning.Physical;

/// <summary>How rows travel from a producer into a stage's input.</summary>
public enum ExchangeKind
{
    /// <summary>Each producer feeds the stage in its own task, without a shuffle (a source read by its source stage).</summary>
    Forward,

    /// <summary>Rows hash on the consumer's routing columns to one of K key groups; the key groups map to the stage's
    /// partitions in contiguous ranges (rescaling keeps whole key groups). No routing columns: every row goes to one group.</summary>
    KeyGroups,

    /// <summary>Every row goes to one partition.</summary>
    Single,
}
