using Apache.Arrow;

namespace OrleansStream.Benchmarks.Nexmark.Prebuilt;

/// <summary>
/// One table's rows as ready Arrow batches in memory, each row at a fixed position (its offset), built once before a run
/// is timed. The batches are cut where the reads of the run that it was built for will cut them (each epoch's slice per
/// source partition, at most <see cref="MaxBatchRows"/> rows a batch, as the nexmark source generates them), so those reads
/// hand out the very batches; a read across other boundaries (a paced run's epochs) hands out zero-copy slices of them.
/// </summary>
public sealed class PrebuiltTable
{
    /// <summary>The largest batch, as the nexmark source generates them.</summary>
    public const int MaxBatchRows = 65_536;

    private readonly long[] _starts;
    private readonly RecordBatch[] _batches;

    private PrebuiltTable(string table, Schema schema, long[] starts, RecordBatch[] batches, long rows)
    {
        Table = table;
        Schema = schema;
        _starts = starts;
        _batches = batches;
        Rows = rows;
    }

    /// <summary>The Nexmark table the rows are of (bid, person, auction).</summary>
    public string Table { get; }

    /// <summary>The columns the batches hold (only those the query reads).</summary>
    public Schema Schema { get; }

    /// <summary>Rows in the table.</summary>
    public long Rows { get; }

    /// <summary>Batches held.</summary>
    public int Batches => _batches.Length;

    /// <summary>
    /// Rows 0 .. <paramref name="rows"/> - 1 of <paramref name="table"/>, from <paramref name="generate"/>(first, count), cut as
    /// epochs of <paramref name="rowsPerEpoch"/> rows read in <paramref name="partitions"/> contiguous slices are (the nexmark
    /// source's partitioning); generated on every core.
    /// </summary>
    public static PrebuiltTable Build(string table, Schema schema, long rows, long rowsPerEpoch, int partitions, Func<long, int, RecordBatch> generate)
    {
        ArgumentNullException.ThrowIfNull(generate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerEpoch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        var cuts = new List<(long First, int Count)>();
        for (long from = 0; from < rows; from += rowsPerEpoch)
        {
            var to = Math.Min(rows, from + rowsPerEpoch);
            for (var p = 0; p < partitions; p++)
            {
                var first = from + (to - from) * p / partitions;
                var last = from + (to - from) * (p + 1) / partitions;
                for (var row = first; row < last; row += MaxBatchRows) cuts.Add((row, (int)Math.Min(MaxBatchRows, last - row)));
            }
        }
        var batches = new RecordBatch[cuts.Count];
        Parallel.For(0, cuts.Count, i => batches[i] = generate(cuts[i].First, cuts[i].Count));
        return new PrebuiltTable(table, schema, [.. cuts.Select(c => c.First)], batches, rows);
    }

    /// <summary>
    /// Rows <paramref name="first"/> .. <paramref name="last"/> - 1, with <paramref name="columns"/>; with
    /// <paramref name="repeat"/>, row k is row k mod <see cref="Rows"/> (the table read again and again), else rows past the
    /// end are an error.
    /// </summary>
    public IEnumerable<RecordBatch> Read(long first, long last, Schema columns, bool repeat)
    {
        if (!repeat && last > Rows)
            throw new ArgumentOutOfRangeException(nameof(last), $"The prebuilt {Table} table holds {Rows:N0} rows; rows up to {last:N0} were asked for.");
        var indices = Project(columns);
        for (var position = first; position < last;)
        {
            var row = position % Rows;
            var i = System.Array.BinarySearch(_starts, row);
            if (i < 0) i = ~i - 1;
            var batch = _batches[i];
            var at = (int)(row - _starts[i]);
            var take = (int)Math.Min(batch.Length - at, last - position);
            var part = at == 0 && take == batch.Length ? batch : batch.Slice(at, take);
            yield return indices is null ? part : new RecordBatch(columns, indices.Select(part.Column), part.Length);
            position += take;
        }
    }

    // Null when the batches already hold exactly these columns; else their positions in the batches.
    private int[]? Project(Schema columns)
    {
        var names = columns.FieldsList.Select(f => f.Name).ToList();
        if (names.SequenceEqual(Schema.FieldsList.Select(f => f.Name))) return null;
        return [.. names.Select(n => Schema.GetFieldIndex(n) is >= 0 and var i ? i
            : throw new ArgumentException($"The prebuilt {Table} table has no column '{n}' (it holds {string.Join(", ", Schema.FieldsList.Select(f => f.Name))})."))];
    }
}
