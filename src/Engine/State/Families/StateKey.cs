namespace OrleansStream.Engine.State.Families;

/// <summary>
/// A grouping key of a <see cref="KeyedStateStore"/> in its <see cref="KeyEncoder"/> bytes (the bytes that also choose its
/// key group), compared by value. Obtained from <see cref="KeyedStateStore.Key"/>; turned back into key columns with
/// <see cref="KeyedStateStore.KeyColumns"/>. Also holds a map family's entry keys.
/// </summary>
public readonly struct StateKey : IEquatable<StateKey>, IComparable<StateKey>
{
    private readonly byte[]? _bytes;

    /// <summary>Wraps <paramref name="bytes"/>, which the caller must not change afterwards.</summary>
    public StateKey(byte[] bytes) => _bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));

    /// <summary>The encoded bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    internal byte[] Array => _bytes ?? [];

    /// <inheritdoc />
    public bool Equals(StateKey other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StateKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    /// <summary>Ordinal byte order (the order snapshots list keys in).</summary>
    public int CompareTo(StateKey other) => Bytes.SequenceCompareTo(other.Bytes);

    /// <inheritdoc />
    public override string ToString() => Convert.ToHexString(Bytes);

    /// <summary>Equal bytes.</summary>
    public static bool operator ==(StateKey left, StateKey right) => left.Equals(right);

    /// <summary>Different bytes.</summary>
    public static bool operator !=(StateKey left, StateKey right) => !left.Equals(right);

    /// <summary>Ordinal byte order.</summary>
    public static bool operator <(StateKey left, StateKey right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal byte order.</summary>
    public static bool operator >(StateKey left, StateKey right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal byte order.</summary>
    public static bool operator <=(StateKey left, StateKey right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal byte order.</summary>
    public static bool operator >=(StateKey left, StateKey right) => left.CompareTo(right) >= 0;
}
