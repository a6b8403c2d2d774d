using Apache.Arrow;

namespace OrleansStream.Engine.Connectors;

/// <summary>A source opened for one batch query: its schema is fixed, and its whole content can be read once planned.</summary>
public interface IBatchSource
{
    /// <summary>The schema of the source's rows.</summary>
    Schema Schema { get; }

    /// <summary>
    /// Yields every row, decoding only <paramref name="columns"/> (a part of <see cref="Schema"/>, in its order) when the
    /// source can; whole batches of <see cref="Schema"/> otherwise (the pipeline takes them as they are).
    /// </summary>
    IEnumerable<RecordBatch> Read(Schema columns);
}
