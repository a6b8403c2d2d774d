namespace OrleansStream.Engine.Checkpointing;

/// <summary>A conditional checkpoint write lost: the key already exists, is missing, or has another ETag.</summary>
public sealed class CheckpointConflictException : Exception
{
    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public CheckpointConflictException(string key, string message) : base(message) => Key = key;

    /// <summary>The key of the conflicting record.</summary>
    public string Key { get; }
}
