namespace OrleansStream.Samples.ClickCounter;

/// <summary>One click, as posted to <c>POST /clicks</c> and written to the <c>clicks</c> ingest (properties map to its columns by name).</summary>
public sealed record Click(string? User, string? Page, DateTime? Ts);
