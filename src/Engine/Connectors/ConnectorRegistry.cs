using System.Collections.Frozen;

namespace OrleansStream.Engine.Connectors;

/// <summary>
/// The source and sink connectors of a silo, by format name (case-insensitive). Adding a connector is registering it
/// (<see cref="ConnectorServiceCollectionExtensions.AddSource{T}"/>); nothing here names a format. A later registration of a
/// name replaces an earlier one, so that an application may override a built-in connector.
/// </summary>
public sealed class ConnectorRegistry
{
    private readonly FrozenDictionary<string, ISourceProvider> _sources;
    private readonly FrozenDictionary<string, ISinkProvider> _sinks;

    /// <summary>Indexes <paramref name="sources"/> and <paramref name="sinks"/> by their format names.</summary>
    public ConnectorRegistry(IEnumerable<ISourceProvider> sources, IEnumerable<ISinkProvider> sinks)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(sinks);
        _sources = Index(sources, s => s.Formats);
        _sinks = Index(sinks, s => s.Formats);
        SourceFormats = _sources.Keys.Order(StringComparer.OrdinalIgnoreCase).ToList();
        SinkFormats = _sinks.Keys.Order(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Every registered source format, in alphabetical order.</summary>
    public IReadOnlyList<string> SourceFormats { get; }

    /// <summary>Every registered sink format, in alphabetical order.</summary>
    public IReadOnlyList<string> SinkFormats { get; }

    /// <summary>True when a source answers to <paramref name="format"/>.</summary>
    public bool TryGetSource(string format, out ISourceProvider provider) => _sources.TryGetValue(format ?? "", out provider!);

    /// <summary>True when a sink answers to <paramref name="format"/>.</summary>
    public bool TryGetSink(string format, out ISinkProvider provider) => _sinks.TryGetValue(format ?? "", out provider!);

    /// <summary>The source of <paramref name="format"/>.</summary>
    /// <exception cref="NotSupportedException">No source answers to it; the message names it and the known ones.</exception>
    public ISourceProvider Source(string format) => TryGetSource(format, out var provider) ? provider
        : throw new NotSupportedException($"Data source '{format}' does not support streamed reading. Supported: {string.Join(", ", SourceFormats)}.");

    /// <summary>The sink of <paramref name="format"/>.</summary>
    /// <exception cref="NotSupportedException">No sink answers to it; the message names it and the known ones.</exception>
    public ISinkProvider Sink(string format) => TryGetSink(format, out var provider) ? provider
        : throw new NotSupportedException($"Data source '{format}' does not support streamed writing. Supported: {string.Join(", ", SinkFormats)}.");

    private static FrozenDictionary<string, T> Index<T>(IEnumerable<T> providers, Func<T, IReadOnlyCollection<string>> formats)
    {
        var byName = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
            foreach (var format in formats(provider))
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(format);
                byName[format] = provider;
            }
        return byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
