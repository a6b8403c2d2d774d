using System.Collections;
using System.Globalization;
using Apache.Arrow;
using OrleansStream.Plan.Data;

namespace OrleansStream.Client;

/// <summary>
/// One row at the API edge (collect, foreachBatch, user functions). Values map per DESIGN §2: bool, int, long, float,
/// double, decimal, string, byte[], DateTime (UTC), DateOnly, Row (struct), IReadOnlyList&lt;object?&gt;, IReadOnlyDictionary.
/// </summary>
public sealed class Row : IReadOnlyList<object?>, IEquatable<Row>
{
    private readonly IReadOnlyList<string> _names;

    /// <summary>Creates a row from values and the names of its fields.</summary>
    public Row(IReadOnlyList<object?> values, IReadOnlyList<string> names)
    {
        if (values.Count != names.Count) throw new ArgumentException($"A row of {values.Count} values cannot have {names.Count} field names.");
        Values = values;
        _names = names;
    }

    /// <summary>The values, in schema order.</summary>
    public IReadOnlyList<object?> Values { get; }

    /// <summary>The field names, in schema order.</summary>
    public IReadOnlyList<string> FieldNames => _names;

    /// <summary>The number of values.</summary>
    public int Count => Values.Count;

    /// <summary>The value at <paramref name="index"/>.</summary>
    public object? this[int index] => Values[index];

    /// <summary>The value of field <paramref name="name"/>.</summary>
    public object? this[string name] => Values[IndexOf(name)];

    /// <summary>The value at <paramref name="index"/> as <typeparamref name="T"/> (numbers convert between widths).</summary>
    public T Get<T>(int index) => Values[index] switch
    {
        null => default!,
        T t => t,
        IConvertible c => (T)Convert.ChangeType(c, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture),
        var v => throw new InvalidCastException($"Field {index} ({_names[index]}) holds {v.GetType().Name}, not {typeof(T).Name}."),
    };

    /// <summary>The value of field <paramref name="name"/> as <typeparamref name="T"/>.</summary>
    public T Get<T>(string name) => Get<T>(IndexOf(name));

    /// <summary>The index of field <paramref name="name"/> (Spark's fieldIndex).</summary>
    public int FieldIndex(string name) => IndexOf(name);

    /// <summary>Whether the value at <paramref name="index"/> is null.</summary>
    public bool IsNullAt(int index) => Values[index] is null;

    /// <inheritdoc />
    public IEnumerator<object?> GetEnumerator() => Values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public bool Equals(Row? other) => other is not null && other.Count == Count && Values.Zip(other.Values).All(p => ValueEquals(p.First, p.Second));
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Row r && Equals(r);
    /// <inheritdoc />
    public override int GetHashCode() => Values.Aggregate(17, (h, v) => h * 31 + (v is null or IEnumerable and not string ? 0 : v.GetHashCode()));

    /// <summary>Spark's rendering: [a,b,c].</summary>
    public override string ToString() => "[" + string.Join(",", Values.Select(Format)) + "]";

    internal static IReadOnlyList<Row> FromBatch(RecordBatch batch)
    {
        var names = batch.Schema.FieldsList.Select(f => f.Name).ToArray();
        var rows = new Row[batch.Length];
        for (var r = 0; r < batch.Length; r++)
        {
            var values = new object?[batch.ColumnCount];
            for (var c = 0; c < values.Length; c++) values[c] = Wrap(ArrowValues.GetValue(batch.Column(c), r), batch.Schema.FieldsList[c].DataType);
            rows[r] = new Row(values, names);
        }
        return rows;
    }

    // Structs come from the engine as object?[]; at the API edge they are Rows with their field names.
    private static object? Wrap(object? value, Apache.Arrow.Types.IArrowType type) => (value, type) switch
    {
        (object?[] fields, Apache.Arrow.Types.StructType st) => new Row(
            fields.Select((v, i) => Wrap(v, st.Fields[i].DataType)).ToArray(), st.Fields.Select(f => f.Name).ToArray()),
        (IReadOnlyList<object?> items, Apache.Arrow.Types.ListType lt) => items.Select(v => Wrap(v, lt.ValueDataType)).ToList(),
        _ => value,
    };

    private int IndexOf(string name)
    {
        for (var i = 0; i < _names.Count; i++) if (_names[i] == name) return i;
        throw new ArgumentException($"No field '{name}' in row with fields [{string.Join(", ", _names)}].");
    }

    private static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (IList x, IList y) => x.Count == y.Count && Enumerable.Range(0, x.Count).All(i => ValueEquals(x[i], y[i])),
        _ => a.Equals(b),
    };

    private static string Format(object? v) => v switch
    {
        null => "null",
        DateTime dt => dt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e and not string => "[" + string.Join(",", e.Cast<object?>().Select(Format)) + "]",
        _ => v.ToString()!,
    };
}
