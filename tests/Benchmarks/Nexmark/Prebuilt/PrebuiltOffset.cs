namespace OrleansStream.Benchmarks.Nexmark.Prebuilt;

/// <summary>The prebuilt source's offset, as the nexmark source's reads: rows before it, and when a paced source started (ms since the Unix epoch; 0 unpaced).</summary>
/// <param name="Rows">The rows before the offset.</param>
/// <param name="StartMs">The start of a paced source.</param>
public sealed record PrebuiltOffset(long Rows, long StartMs = 0);
