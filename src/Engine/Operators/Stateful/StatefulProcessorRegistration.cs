namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>One processor type a host may run (what <see cref="StatefulProcessorServiceCollectionExtensions.AddStatefulProcessor{T}"/> registers).</summary>
/// <param name="Type">A concrete <see cref="Client.StatefulProcessor"/> type.</param>
public sealed record StatefulProcessorRegistration(Type Type);
