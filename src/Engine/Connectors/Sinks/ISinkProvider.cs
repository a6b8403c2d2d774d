namespace OrleansStream.Engine.Connectors;

/// <summary>
/// A sink connector as the engine finds it: registered by format name (<c>AddSink&lt;T&gt;()</c>), it checks a query's sink
/// at start and opens the sink that the query's epochs write to. One instance serves every query of a silo.
/// </summary>
public interface ISinkProvider
{
    /// <summary>The format names this provider answers to (case-insensitive), as <c>WriteStream.Format(...)</c> names them.</summary>
    IReadOnlyCollection<string> Formats { get; }

    /// <summary>Throws, in Spark's words where Spark has them, when a query cannot write to <paramref name="sink"/>.</summary>
    void Validate(SinkDescriptor sink, SinkContext context) { }

    /// <summary>Opens the sink of one query (on the trigger for epoch commits, on sink partitions for writers).</summary>
    IStreamSink CreateSink(SinkDescriptor sink, SinkContext context);
}
