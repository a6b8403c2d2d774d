namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>How a host finds the stateful processors it may run; register instances as singletons (several combine:
/// any <see cref="RunLoadedTypes"/> turns it on, the last <see cref="HostName"/> wins).</summary>
public sealed class StatefulProcessorOptions
{
    /// <summary>
    /// Also run any processor type loaded in this process, unregistered: the embedded session sets it, since the code that
    /// defines its queries is the code of its silo (it registers the processors of the queries it starts). A cluster silo
    /// leaves it off and runs only the types registered with AddStatefulProcessor.
    /// </summary>
    public bool RunLoadedTypes { get; set; }

    /// <summary>The host's name in refusals (the silo's name; the machine's when unset).</summary>
    public string? HostName { get; set; }
}
