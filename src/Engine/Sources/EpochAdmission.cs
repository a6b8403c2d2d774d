namespace OrleansStream.Engine.Sources;

/// <summary>
/// How much input one epoch of a source may take in. A query that cannot keep up then falls behind, epoch after epoch of
/// bounded size, instead of taking its whole backlog into one epoch whose memory grows with it. The limits are Spark's
/// options where a user sets them (maxRowsPerTrigger, maxBytesPerTrigger, maxFilesPerTrigger); otherwise they derive from
/// the silo's memory budget for an epoch's input.
/// </summary>
public static class EpochAdmission
{
    /// <summary>What an epoch's input may use by default (OrleansStream__EpochMemoryBudgetBytes): 256 MiB.</summary>
    public const long DefaultBudgetBytes = 256L << 20;

    // An input row costs its Arrow columns and the copies the pipeline, the exchange and the sink make of them: budget a
    // generous multiple of the narrow rows of the generated sources.
    private const int GeneratedRowBytes = 64;

    // A file's bytes become Arrow columns and then the same copies: a 112 MB JSON backlog used 571 MB in one epoch.
    private const int FileBytesExpansion = 8;

    /// <summary>The rows an epoch of a generated source (rate, nexmark) may take: the option, or the budget's share.</summary>
    public static long MaxRows(long? option, long budgetBytes, int rowBytes = GeneratedRowBytes) =>
        option ?? Math.Max(1, budgetBytes / Math.Max(1, rowBytes));

    /// <summary>The file bytes an epoch may take (at least one file always goes in): the option, or the budget's share.</summary>
    public static long MaxFileBytes(long? option, long budgetBytes) =>
        option ?? Math.Max(1, budgetBytes / FileBytesExpansion);
}
