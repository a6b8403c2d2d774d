using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Engine.Connectors;

/// <summary>What the host gives a source connector: its clock, limits, logging, services and a place for a log of its own.</summary>
public sealed class SourceContext
{
    /// <summary>The silo's clock: all engine time comes from it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The folders files must really lie in, or null for anywhere.</summary>
    public FileRoots? FileRoots { get; init; }

    /// <summary>What an epoch's input may use when no read limit is set (see <see cref="EpochAdmission"/>).</summary>
    public long MemoryBudgetBytes { get; init; } = EpochAdmission.DefaultBudgetBytes;

    /// <summary>Where connectors log.</summary>
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The silo's services (a connector that needs the cluster resolves it here), or null in a bare engine.</summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>The checkpoint store, for a source that keeps a log of its own; null where none is needed (readers).</summary>
    public ICheckpointStore? Checkpoints { get; init; }

    /// <summary>
    /// The key prefix (ending in '/') of this source's own part of the query's checkpoint (Spark's <c>sources/&lt;n&gt;/</c>);
    /// null for a copy that only reads (source tasks, validation).
    /// </summary>
    public string? MetadataPrefix { get; init; }
}
