using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// How a processor's state values become the bytes of a state family's "__value" column: UTF-8 JSON (System.Text.Json).
/// JSON names its fields, so the encoding is self-describing and versions by itself: a record or POCO that gains a field
/// reads values written before it with that field missing (null or its default), and a removed field is ignored. Primitives,
/// strings, DateTime (round-trip "O" format), decimals (exact) and records all encode as System.Text.Json does.
/// </summary>
internal static class StateValueCodec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static byte[] Encode<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>The value of state variable <paramref name="stateName"/>; a value that does not decode as
    /// <typeparamref name="T"/> (the variable was declared with another type before) fails naming the variable and the type.</summary>
    public static T Decode<T>(byte[] bytes, string stateName)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options)!;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The state variable '{stateName}' holds a value that cannot be decoded as {typeof(T).FullName} "
                + $"(was it declared with another type by an earlier version of the processor?): {e.Message}", e);
        }
    }

    /// <summary>Decodes a value of a type known only at run time (the state data source reads any variable).</summary>
    public static object? Decode(byte[] bytes, Type type) => JsonSerializer.Deserialize(bytes, type, Options);
}
