using Apache.Arrow;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>The rows of each table a query reads among one range of stream events (null for a table it does not read).</summary>
/// <param name="Persons">People.</param>
/// <param name="Auctions">Auctions.</param>
/// <param name="Bids">Bids.</param>
public sealed record NexmarkChunk(RecordBatch? Persons, RecordBatch? Auctions, RecordBatch? Bids)
{
    /// <summary>Rows of every table together.</summary>
    public long Rows => (Persons?.Length ?? 0) + (Auctions?.Length ?? 0) + (Bids?.Length ?? 0);
}
