using System.Globalization;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// A Redis stream entry id, <c>ms-seq</c>: the milliseconds part (Unix time when the entry was added with an automatic id) and a
/// sequence number. Ids order as the pair (ms, seq), which is the order of a stream's entries; as text "10-0" sorts before
/// "9-0", so ids are never compared as strings.
/// </summary>
/// <param name="Ms">The milliseconds part.</param>
/// <param name="Seq">The sequence part.</param>
public readonly record struct RedisStreamId(ulong Ms, ulong Seq) : IComparable<RedisStreamId>
{
    /// <summary><c>0-0</c>: before every entry (no entry can have it).</summary>
    public static RedisStreamId Zero => default;

    /// <summary>Parses <c>ms-seq</c>, or <c>ms</c> alone (sequence 0), as Redis reads an id.</summary>
    /// <exception cref="FormatException">The text is not an id; the message quotes it.</exception>
    public static RedisStreamId Parse(string text) => TryParse(text, out var id) ? id
        : throw new FormatException($"'{text}' is not a Redis stream entry id (expected <milliseconds>-<sequence>, such as 1700000000000-0).");

    /// <summary>Parses <c>ms-seq</c>, or <c>ms</c> alone (sequence 0); false when <paramref name="text"/> is not an id.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out RedisStreamId id)
    {
        id = default;
        var dash = text.IndexOf('-');
        var ms = dash < 0 ? text : text[..dash];
        ulong seq = 0;
        if (!IsDigits(ms) || !ulong.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var m)) return false;
        if (dash >= 0 && (!IsDigits(text[(dash + 1)..]) || !ulong.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out seq))) return false;
        id = new RedisStreamId(m, seq);
        return true;
    }

    /// <summary>When the entry was added (its milliseconds part), in microseconds since the Unix epoch, as a timestamp column holds it.</summary>
    public long TimestampMicros => Ms > long.MaxValue / 1000 ? long.MaxValue : (long)Ms * 1000;

    /// <inheritdoc/>
    public int CompareTo(RedisStreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    /// <summary>The later of two ids.</summary>
    public static RedisStreamId Max(RedisStreamId a, RedisStreamId b) => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>The earlier of two ids.</summary>
    public static RedisStreamId Min(RedisStreamId a, RedisStreamId b) => a.CompareTo(b) <= 0 ? a : b;

    /// <summary>True when <paramref name="a"/> comes before <paramref name="b"/>.</summary>
    public static bool operator <(RedisStreamId a, RedisStreamId b) => a.CompareTo(b) < 0;

    /// <summary>True when <paramref name="a"/> comes after <paramref name="b"/>.</summary>
    public static bool operator >(RedisStreamId a, RedisStreamId b) => a.CompareTo(b) > 0;

    /// <summary>True when <paramref name="a"/> is not after <paramref name="b"/>.</summary>
    public static bool operator <=(RedisStreamId a, RedisStreamId b) => a.CompareTo(b) <= 0;

    /// <summary>True when <paramref name="a"/> is not before <paramref name="b"/>.</summary>
    public static bool operator >=(RedisStreamId a, RedisStreamId b) => a.CompareTo(b) >= 0;

    /// <summary><c>ms-seq</c>, as Redis writes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Ms}-{Seq}");

    private static bool IsDigits(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExceptInRange('0', '9');
}
