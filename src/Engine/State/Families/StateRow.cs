namespace OrleansStream.Engine.State.Families;

/// <summary>One row of a <see cref="KeyedStateStore"/> delta or snapshot before it is laid out in columns.</summary>
internal readonly record struct StateRow(string Family, bool Deleted, StateKey Key, byte[]? Entry, byte[]? Value, long Expiry);
