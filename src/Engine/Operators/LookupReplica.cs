using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Plan.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// A read-only copy of a state partition's keyed state at a committed version, for live lookups (DESIGN.md §8). The
/// partition's own state moves through an epoch while it runs; lookups read this copy instead, which moves only to versions
/// the query has committed, so that they never see half an epoch nor one that may still be re-run. It starts as a snapshot
/// of the state between epochs and then applies each later version's delta once that version commits: it costs a second
/// copy of the state, and a delta per epoch, only for partitions that were looked up.
/// </summary>
public sealed class LookupReplica
{
    private readonly IStatefulOperator _copy;
    private readonly SortedDictionary<long, RecordBatch> _deltas = new();

    /// <summary>Copies <paramref name="source"/>, which is at <paramref name="version"/> (not running an epoch), into
    /// <paramref name="empty"/>, a new operator of the same spec.</summary>
    /// <exception cref="NotSupportedException">The operator does not answer lookups.</exception>
    public LookupReplica(IStatefulOperator empty, IVersionedState source, long version) : this(empty, version)
    {
        ArgumentNullException.ThrowIfNull(source);
        _copy.Apply(source.Snapshot());
    }

    /// <summary>Uses <paramref name="state"/>, an operator of its own already at <paramref name="version"/> (loaded from the
    /// checkpoint), as the copy.</summary>
    /// <exception cref="NotSupportedException">The operator does not answer lookups.</exception>
    public LookupReplica(IStatefulOperator state, long version)
    {
        ArgumentNullException.ThrowIfNull(state);
        Lookup = LookupOf(state) ?? throw new NotSupportedException($"{state.GetType().Name} does not answer live lookups.");
        _copy = state;
        Version = version;
    }

    /// <summary>The lookups of <paramref name="op"/>'s state, or null when it answers none.</summary>
    public static IKeyLookup? LookupOf(IStatefulOperator op) =>
        op switch
        {
            IKeyLookup lookup => lookup,
            Stateful.TransformWithStateOperator t => new State.Families.KeyedStateLookup(t.State),
            Stateful.AsyncTransformWithStateOperator a => new State.Families.KeyedStateLookup(a.State),
            _ => null,
        };

    /// <summary>The version the copy holds.</summary>
    public long Version { get; private set; }

    /// <summary>The copy's lookups (at <see cref="Version"/>).</summary>
    public IKeyLookup Lookup { get; }

    /// <summary>Keeps the delta of <paramref name="version"/>, which the partition just ran (a re-run replaces it), until it
    /// commits: a copy when its arrays are pooled (their owner reuses them for the next delta).</summary>
    public void Record(long version, RecordBatch delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (version > Version) _deltas[version] = BatchBuffers.IsPooled(delta) ? ArrowIpc.Deserialize(ArrowIpc.Serialize(delta)) : delta;
    }

    /// <summary>
    /// Moves the copy to <paramref name="committed"/>, the query's last committed epoch, applying the deltas kept up to it in
    /// order. True when the copy is then exactly at that version; false when it is ahead of it (made from a version not yet
    /// committed: ask again once that one commits) or lacks a delta (<see cref="IsBroken"/>: make a new copy).
    /// </summary>
    public bool TryAdvance(long committed)
    {
        while (_deltas.Count > 0)
        {
            var (version, delta) = _deltas.First();
            if (version > committed) break;
            _deltas.Remove(version);
            if (version != Version + 1)
            {
                IsBroken = true;
                return false;
            }
            _copy.Apply(delta);
            Version = version;
        }
        IsBroken |= Version < committed;
        return Version == committed;
    }

    /// <summary>The copy missed a version it needs (it can never reach the committed one).</summary>
    public bool IsBroken { get; private set; }

    /// <summary>The partition reloaded <paramref name="version"/> from the checkpoint: deltas above it will be made again.</summary>
    /// <returns>False when the copy itself is above that version (then it cannot be used).</returns>
    public bool OnReloaded(long version)
    {
        foreach (var stale in _deltas.Keys.Where(v => v > version).ToList()) _deltas.Remove(stale);
        return Version <= version;
    }
}
