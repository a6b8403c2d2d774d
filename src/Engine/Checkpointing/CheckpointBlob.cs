namespace OrleansStream.Engine.Checkpointing;

/// <summary>A stored checkpoint record and its current ETag.</summary>
/// <param name="Data">The content.</param>
/// <param name="ETag">The version tag to pass to a conditional write or delete.</param>
public sealed record CheckpointBlob(byte[] Data, string ETag);
