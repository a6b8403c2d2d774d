namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>The merge order of session pieces: by group (groups in order of first appearance), then start, then row.</summary>
internal static class SessionPieces
{
    /// <summary>
    /// Where the merged session that begins at piece <paramref name="first"/> of <paramref name="pieces"/> ends (the index
    /// past its last piece), and its end time: pieces of one group join it while each starts at or before the end so far,
    /// so sessions that touch merge, as in Spark.
    /// </summary>
    public static int RunEnd(ReadOnlySpan<int> pieces, ReadOnlySpan<int> groupOf, ReadOnlySpan<long> starts, ReadOnlySpan<long> ends, int first, out long end)
    {
        end = ends[pieces[first]];
        var p = first + 1;
        for (; p < pieces.Length && groupOf[pieces[p]] == groupOf[pieces[first]] && starts[pieces[p]] <= end; p++)
            end = Math.Max(end, ends[pieces[p]]);
        return p;
    }

    /// <summary>The row indices of <paramref name="groupOf"/> (group ids below <paramref name="groupBound"/>) and
    /// <paramref name="starts"/>, ordered by group's first appearance, then start, then row.</summary>
    public static int[] Order(ReadOnlySpan<int> groupOf, ReadOnlySpan<long> starts, int groupBound)
    {
        var n = groupOf.Length;
        var rankOfGroup = new int[groupBound];
        System.Array.Fill(rankOfGroup, -1);
        var rowRank = new int[n];
        var ranks = 0;
        for (var i = 0; i < n; i++)
        {
            ref var rank = ref rankOfGroup[groupOf[i]];
            if (rank < 0) rank = ranks++;
            rowRank[i] = rank;
        }
        // A stable counting sort by rank keeps rows ascending within each group.
        var begin = new int[ranks + 1];
        foreach (var r in rowRank) begin[r + 1]++;
        for (var r = 0; r < ranks; r++) begin[r + 1] += begin[r];
        var next = begin[..ranks];
        var order = new int[n];
        for (var i = 0; i < n; i++) order[next[rowRank[i]]++] = i;
        // Event time mostly arrives in order, so most groups are already sorted by start.
        for (var r = 0; r < ranks; r++)
        {
            var segment = order.AsSpan(begin[r], begin[r + 1] - begin[r]);
            if (!SortedByStart(segment, starts)) SortByStart(segment, starts);
        }
        return order;
    }

    private static bool SortedByStart(ReadOnlySpan<int> rows, ReadOnlySpan<long> starts)
    {
        for (var i = 1; i < rows.Length; i++)
            if (starts[rows[i]] < starts[rows[i - 1]]) return false;
        return true;
    }

    private static void SortByStart(Span<int> rows, ReadOnlySpan<long> starts)
    {
        var keyed = new Piece[rows.Length];
        for (var i = 0; i < rows.Length; i++) keyed[i] = new Piece(starts[rows[i]], rows[i]);
        keyed.AsSpan().Sort();
        for (var i = 0; i < rows.Length; i++) rows[i] = keyed[i].Row;
    }

    private readonly record struct Piece(long Start, int Row) : IComparable<Piece>
    {
        public int CompareTo(Piece other) => Start != other.Start ? Start.CompareTo(other.Start) : Row.CompareTo(other.Row);
    }
}
