using System.Collections;
using System.Reflection;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Operators.Stateful;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.State.Reading;

/// <summary>
/// Columns of transformWithState values, which the state keeps as JSON: decoded to the state variable's type (scalars as
/// their column type, records and classes as a struct of their public properties) when it maps to one, otherwise the JSON
/// text as a string column.
/// </summary>
internal static class StateValueColumns
{
    /// <summary>The column type of values of <paramref name="type"/>, or string (the JSON) when it has none.</summary>
    public static IArrowType TypeOf(Type type) => ArrowTypeOf(type, 0) ?? StringType.Default;

    /// <summary>The values (JSON; null for none) as a column of <see cref="TypeOf"/>(<paramref name="type"/>).</summary>
    public static IArrowArray Column(Type type, IReadOnlyList<byte[]?> values)
    {
        var builder = ColumnBuilder.Create(TypeOf(type));
        foreach (var bytes in values) builder.Append(bytes is null ? null : Value(type, bytes));
        return builder.Build();
    }

    /// <summary>A column of lists (one per entry of <paramref name="lists"/>) of <paramref name="elementType"/> values.</summary>
    public static IArrowArray ListColumn(Type elementType, IReadOnlyList<IReadOnlyList<byte[]>> lists)
    {
        var builder = ColumnBuilder.Create(new ListType(new Field("element", TypeOf(elementType), true)));
        foreach (var list in lists) builder.Append(list.Select(b => Value(elementType, b)).ToList());
        return builder.Build();
    }

    /// <summary>A column of maps (one per entry of <paramref name="maps"/>) from <paramref name="keyType"/> to <paramref name="valueType"/>.</summary>
    public static IArrowArray MapColumn(Type keyType, Type valueType, IReadOnlyList<IReadOnlyList<(byte[] Key, byte[] Value)>> maps)
    {
        var builder = ColumnBuilder.Create(new MapType(new Field("key", TypeOf(keyType), false), new Field("value", TypeOf(valueType), true)));
        foreach (var map in maps)
            builder.Append(map.Select(e => new KeyValuePair<object, object?>(Value(keyType, e.Key)!, Value(valueType, e.Value))).ToList());
        return builder.Build();
    }

    // One value as its column takes it: decoded to the type, or its JSON text when the column is a string of JSON.
    private static object? Value(Type type, byte[] bytes) =>
        ArrowTypeOf(type, 0) is null ? Encoding.UTF8.GetString(bytes) : ToColumnValue(StateValueCodec.Decode(bytes, type));

    private static IArrowType? ArrowTypeOf(Type type, int depth)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(bool)) return BooleanType.Default;
        if (t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte)) return Int32Type.Default;
        if (t == typeof(long)) return Int64Type.Default;
        if (t == typeof(float)) return FloatType.Default;
        if (t == typeof(double)) return DoubleType.Default;
        if (t == typeof(decimal)) return new Decimal128Type(38, 18);
        if (t == typeof(string)) return StringType.Default;
        if (t == typeof(byte[])) return BinaryType.Default;
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) return DataTypes.Timestamp;
        if (t == typeof(DateOnly)) return Date32Type.Default;
        // Collections, dictionaries and deep nesting stay JSON; records and classes of the above become structs.
        if (depth > 3 || t.IsPrimitive || t.IsEnum || typeof(IEnumerable).IsAssignableFrom(t)) return null;
        var properties = Properties(t);
        if (properties.Length == 0) return null;
        var fields = new List<Field>();
        foreach (var p in properties)
        {
            if (ArrowTypeOf(p.PropertyType, depth + 1) is not { } child) return null;
            fields.Add(new Field(p.Name, child, true));
        }
        return new StructType(fields);
    }

    private static PropertyInfo[] Properties(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToArray();

    // A decoded value as the column builders take it: structs as their property values in order.
    private static object? ToColumnValue(object? value) => value switch
    {
        null => null,
        DateTimeOffset o => o.UtcDateTime,
        DateTime d => d.Kind == DateTimeKind.Utc ? d : d.ToUniversalTime(),
        string or byte[] or decimal or DateOnly => value,
        _ when value.GetType().IsPrimitive => value,
        _ => Properties(value.GetType()).Select(p => ToColumnValue(p.GetValue(value))).ToArray(),
    };
}
