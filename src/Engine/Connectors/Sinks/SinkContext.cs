using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansStream.Engine.Files;

namespace OrleansStream.Engine.Connectors;

/// <summary>What the host gives a sink connector.</summary>
public sealed class SinkContext
{
    /// <summary>The silo's clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The folders files must really lie in, or null for anywhere.</summary>
    public FileRoots? FileRoots { get; init; }

    /// <summary>Where connectors log.</summary>
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The silo's services (a connector that needs the cluster resolves it here), or null in a bare engine.</summary>
    public IServiceProvider? Services { get; init; }
}
