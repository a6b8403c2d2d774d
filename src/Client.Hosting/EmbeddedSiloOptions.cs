using OrleansStream.Grains.Hosting;

namespace OrleansStream.Client;

/// <summary>
/// <see cref="StreamSessionOptions"/> plus what only an embedded silo takes: its checkpoint store and a hook into its
/// builder. Pass it to <c>StreamSession.StartLocalAsync</c> (from this package) where plain options are not enough.
/// </summary>
public sealed class EmbeddedSiloOptions : StreamSessionOptions
{
    /// <summary>The checkpoint store (default: the file system under <see cref="StreamSessionOptions.DataDirectory"/>; or Azure Blob Storage).</summary>
    public CheckpointStorageOptions? Checkpoints { get; set; }

    /// <summary>
    /// Configures the silo after OrleansStream's own registrations (tests register grain call filters here to inject
    /// faults at an exact step of the epoch protocol).
    /// </summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>
    /// Whether the embedded silo runs the stateful processors of the queries this process starts without registering them
    /// (default true: the silo shares the process, and so the code, of the client). Off, it behaves as a cluster silo and
    /// runs only the processors registered with <c>AddStatefulProcessor&lt;T&gt;()</c> in <see cref="ConfigureSilo"/>.
    /// </summary>
    public bool RegisterStatefulProcessors { get; set; } = true;
}
