namespace OrleansStream.Interfaces.Ingest;

/// <summary>
/// Appends the items of one Orleans stream of a bound namespace (see the silo's <c>AddStreamIngest</c>) to the ingest log the
/// namespace is bound to. Activated by Orleans' implicit stream subscriptions (key: the stream's key); it has no calls of its own.
/// </summary>
[Alias("OrleansStream.IStreamIngestGrain")]
public interface IStreamIngestGrain : IGrainWithStringKey;
