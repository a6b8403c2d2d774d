namespace OrleansStream.Client;

/// <summary>What a streaming query writes to its sink each epoch.</summary>
public enum OutputMode
{
    /// <summary>Only new rows, each written once.</summary>
    Append,
    /// <summary>Rows that changed in the epoch.</summary>
    Update,
    /// <summary>The whole result table.</summary>
    Complete,
}
