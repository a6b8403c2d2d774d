using System.Collections;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a map column: append entries to <see cref="Keys"/> and <see cref="Values"/>, then call <see cref="EndMap"/>.</summary>
internal sealed class MapColumnBuilder : ColumnBuilder
{
    private readonly ByteBuffer _offsets = new();
    private readonly MapType _type;

    public MapColumnBuilder(MapType type) : base(type)
    {
        _type = type;
        Keys = Create(type.KeyField.DataType);
        Values = Create(type.ValueField.DataType);
        _offsets.Append(0);
    }

    public ColumnBuilder Keys { get; }

    public ColumnBuilder Values { get; }

    /// <summary>Closes a valid map whose entries were appended.</summary>
    public void EndMap()
    {
        Validity.Append(true);
        _offsets.Append(Keys.Length);
    }

    protected override void AppendEmptySlot() => _offsets.Append(Keys.Length);

    protected override void AppendObject(object value)
    {
        if (value is not IEnumerable entries) throw new InvalidCastException($"Cannot store {value.GetType().Name} in a map column.");
        foreach (var entry in entries)
        {
            switch (entry)
            {
                case KeyValuePair<object, object?> kv: Keys.Append(kv.Key); Values.Append(kv.Value); break;
                case DictionaryEntry de: Keys.Append(de.Key); Values.Append(de.Value); break;
                default:
                    // KeyValuePair<TKey,TValue> of other generic arguments.
                    var t = entry?.GetType();
                    if (t is { IsGenericType: true } && t.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
                    {
                        Keys.Append(t.GetProperty("Key")!.GetValue(entry));
                        Values.Append(t.GetProperty("Value")!.GetValue(entry));
                        break;
                    }
                    throw new InvalidCastException("A map value must enumerate key/value pairs.");
            }
        }
        EndMap();
    }

    public override void Truncate(int length)
    {
        if (length >= Length) return;
        Validity.Truncate(length);
        _offsets.SetLength((length + 1) * sizeof(int));
        int entries = _offsets.Read<int>(length * sizeof(int));
        Keys.Truncate(entries);
        Values.Truncate(entries);
    }

    public override IArrowArray Build()
    {
        var keys = Keys.Build();
        var values = Values.Build();
        var entryType = (StructType)_type.Fields[0].DataType;
        var entries = new StructArray(entryType, keys.Length, [keys, values], ArrowBuffer.Empty, 0);
        return new MapArray(_type, Length, _offsets.Build(), entries, Validity.Build(true), NullCount);
    }
}
