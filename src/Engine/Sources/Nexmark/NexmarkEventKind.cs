namespace OrleansStream.Engine.Sources.Nexmark;

/// <summary>The three Nexmark event kinds.</summary>
public enum NexmarkEventKind
{
    /// <summary>A new person (2% of events).</summary>
    Person,
    /// <summary>A new auction (6%).</summary>
    Auction,
    /// <summary>A bid (92%).</summary>
    Bid,
}
