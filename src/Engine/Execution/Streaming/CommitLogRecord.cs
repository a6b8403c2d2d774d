namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>commits[e]: epoch e's output is committed and its state durable; the watermark computed at its end takes effect in e+1.</summary>
public sealed record CommitLogRecord(long BatchId, long NextWatermarkMs);
