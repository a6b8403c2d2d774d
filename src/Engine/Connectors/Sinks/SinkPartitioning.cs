namespace OrleansStream.Engine.Connectors;

/// <summary>How an epoch's rows reach a sink's writers.</summary>
public enum SinkPartitioning
{
    /// <summary>Every producer (source task or last stage partition) has a writer of its own (a file per producer).</summary>
    PerProducer,

    /// <summary>One writer takes all of an epoch's rows, in producer order (a table, the console, a callback).</summary>
    Single,
}
