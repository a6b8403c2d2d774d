namespace OrleansStream.Interfaces.Queries;

/// <summary>The exception that terminated a streaming query (Spark's StreamingQueryException).</summary>
[GenerateSerializer, Alias("OrleansStream.StreamingQueryException")]
public sealed class StreamingQueryException : Exception
{
    /// <summary>Creates the exception with the message of the error that ended the query.</summary>
    public StreamingQueryException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the error that ended the query.</summary>
    public StreamingQueryException(string message, Exception inner) : base(message, inner) { }
}
