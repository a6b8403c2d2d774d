namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// Candidate pairs found by probing a <see cref="JoinRowBuffer"/>: (probe row, chunk, row in chunk), in probe row order,
/// kept in three parallel int arrays and regrouped by chunk so that each chunk's rows are gathered in one pass.
/// </summary>
internal sealed class JoinCandidates
{
    private int[] _probe = new int[64];
    private int[] _chunk = new int[64];
    private int[] _row = new int[64];

    /// <summary>Number of candidates.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a candidate.</summary>
    public void Add(int probeRow, int chunk, int row)
    {
        if (Count == _probe.Length)
        {
            var size = Count * 2;
            System.Array.Resize(ref _probe, size);
            System.Array.Resize(ref _chunk, size);
            System.Array.Resize(ref _row, size);
        }
        _probe[Count] = probeRow;
        _chunk[Count] = chunk;
        _row[Count] = row;
        Count++;
    }

    /// <summary>Forgets every candidate.</summary>
    public void Clear() => Count = 0;

    /// <summary>
    /// The candidates grouped by chunk (a stable counting sort, so each group keeps probe row order): for each chunk that has
    /// any, its index and the group's probe rows and rows in chunk.
    /// </summary>
    public List<(int Chunk, int[] ProbeRows, int[] Rows)> ByChunk(int chunks)
    {
        var groups = new List<(int, int[], int[])>();
        if (Count == 0) return groups;
        var counts = new int[chunks];
        for (var i = 0; i < Count; i++) counts[_chunk[i]]++;
        var probe = new int[chunks][];
        var rows = new int[chunks][];
        var fill = new int[chunks];
        for (var c = 0; c < chunks; c++)
        {
            if (counts[c] == 0) continue;
            probe[c] = new int[counts[c]];
            rows[c] = new int[counts[c]];
        }
        for (var i = 0; i < Count; i++)
        {
            var c = _chunk[i];
            probe[c][fill[c]] = _probe[i];
            rows[c][fill[c]++] = _row[i];
        }
        for (var c = 0; c < chunks; c++) if (counts[c] > 0) groups.Add((c, probe[c], rows[c]));
        return groups;
    }
}
