using Orleans.Streams;

namespace OrleansStream.Grains.Ingest;

/// <summary>The Orleans stream namespaces this silo appends to ingests.</summary>
public sealed class StreamIngestOptions
{
    /// <summary>The bindings, one per (provider, namespace).</summary>
    public List<StreamIngestBinding> Bindings { get; } = [];

    /// <summary>The binding of <paramref name="provider"/>'s <paramref name="streamNamespace"/>, or null.</summary>
    public StreamIngestBinding? Find(string provider, string streamNamespace) =>
        Bindings.FirstOrDefault(b => b.Provider == provider && b.Namespace == streamNamespace);
}

/// <summary>
/// The implicit subscription of <see cref="StreamIngestGrain"/>: the attribute only names it; the predicate that matches the
/// configured namespaces comes from <see cref="BoundNamespacesPredicateProvider"/>, so bindings are configuration, not code.
/// </summary>
internal sealed class BoundNamespacesPattern : IStreamNamespacePredicate
{
    public const string Pattern = "orleansstream:bound-ingest-namespaces";

    public string PredicatePattern => Pattern;

    public bool IsMatch(string streamNamespace) => false;
}

/// <summary>Resolves <see cref="BoundNamespacesPattern"/> to the namespaces of this silo's <see cref="StreamIngestOptions"/>.</summary>
internal sealed class BoundNamespacesPredicateProvider(Microsoft.Extensions.Options.IOptions<StreamIngestOptions> options) : IStreamNamespacePredicateProvider
{
    public bool TryGetPredicate(string predicatePattern, out IStreamNamespacePredicate predicate)
    {
        predicate = new Bound(options.Value);
        return predicatePattern == BoundNamespacesPattern.Pattern;
    }

    private sealed class Bound(StreamIngestOptions options) : IStreamNamespacePredicate
    {
        public string PredicatePattern => BoundNamespacesPattern.Pattern;

        public bool IsMatch(string streamNamespace) => options.Bindings.Any(b => b.Namespace == streamNamespace);
    }
}
