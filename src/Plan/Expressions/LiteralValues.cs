using System.Globalization;
using System.Text.Json;

namespace OrleansStream.Plan.Expressions;

/// <summary>
/// Restores the CLR value of a literal read back from plan JSON, where it arrives as a <see cref="JsonElement"/>:
/// the literal's type name says which CLR type it was (int, bigint, double, timestamp, ...).
/// </summary>
internal static class LiteralValues
{
    public static object? Normalize(object? value, string typeName)
    {
        if (value is not JsonElement e) return value;
        if (e.ValueKind == JsonValueKind.Null) return null;
        var type = typeName.ToLowerInvariant();
        return type switch
        {
            "boolean" => e.GetBoolean(),
            "int" => e.GetInt32(),
            "bigint" => e.GetInt64(),
            "smallint" => (short)e.GetInt32(),
            "tinyint" => (byte)e.GetInt32(),
            "float" => e.ValueKind == JsonValueKind.String ? float.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetSingle(),
            "double" => e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble(),
            "binary" => e.GetBytesFromBase64(),
            "timestamp" => e.GetDateTime().ToUniversalTime(),
            "date" => DateOnly.Parse(e.GetString()!, CultureInfo.InvariantCulture),
            _ when type.StartsWith("decimal", StringComparison.Ordinal) => e.GetDecimal(),
            // A day-time interval literal (the SQL parser's INTERVAL) holds its length in microseconds.
            _ when type.StartsWith("interval", StringComparison.Ordinal) && e.ValueKind == JsonValueKind.Number => e.GetInt64(),
            _ when e.ValueKind == JsonValueKind.String => e.GetString(),
            _ => e.GetRawText(),
        };
    }
}
