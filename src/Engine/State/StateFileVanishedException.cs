namespace OrleansStream.Engine.State;

/// <summary>A state file listed a moment ago was gone when read (a clean-up deleted it after a newer snapshot committed).</summary>
public sealed class StateFileVanishedException(string message) : InvalidOperationException(message);
