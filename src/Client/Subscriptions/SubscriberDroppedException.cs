namespace OrleansStream.Client;

/// <summary>A live subscription was dropped because its reader fell behind (its buffer was full); the query went on.</summary>
public sealed class SubscriberDroppedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SubscriberDroppedException() { }
    /// <summary>Creates the exception with its reason.</summary>
    public SubscriberDroppedException(string message) : base(message) { }
    /// <summary>Creates the exception with its reason and cause.</summary>
    public SubscriberDroppedException(string message, Exception inner) : base(message, inner) { }
}
