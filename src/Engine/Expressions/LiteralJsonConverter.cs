using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansStream.Engine.Expressions;

/// <summary>Writes a <see cref="Literal"/> as {"type": ..., "value": ...} with the value in an invariant text form,
/// so that the CLR type of the value survives the round trip exactly.</summary>
internal sealed class LiteralJsonConverter : JsonConverter<Literal>
{
    public override Literal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? type = null, text = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "type") type = reader.GetString();
            else if (name == "value") text = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
        }
        if (type is null) throw new JsonException("literal without a type");
        return new Literal(text is null ? null : Parse(type, text), type);
    }

    public override void Write(Utf8JsonWriter writer, Literal value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", value.TypeName);
        if (value.Value is null) writer.WriteNull("value");
        else writer.WriteString("value", Format(value.Value));
        writer.WriteEndObject();
    }

    private static string Format(object value) => value switch
    {
        byte[] bytes => Convert.ToBase64String(bytes),
        DateTime dt => dt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static object Parse(string type, string text) => type.ToLowerInvariant() switch
    {
        "boolean" => text == "true",
        "int" => int.Parse(text, CultureInfo.InvariantCulture),
        "bigint" => long.Parse(text, CultureInfo.InvariantCulture),
        "float" => float.Parse(text, CultureInfo.InvariantCulture),
        "double" => double.Parse(text, CultureInfo.InvariantCulture),
        "binary" => Convert.FromBase64String(text),
        "timestamp" => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime(),
        "date" => DateOnly.Parse(text, CultureInfo.InvariantCulture),
        var t when t.StartsWith("decimal", StringComparison.Ordinal) => decimal.Parse(text, CultureInfo.InvariantCulture),
        _ => text,
    };
}
