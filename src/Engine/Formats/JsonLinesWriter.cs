using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Apache.Arrow;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Writes a batch as JSON Lines like Spark: one object per row, null fields omitted (ignoreNullFields),
/// timestamps as "yyyy-MM-ddTHH:mm:ss.fffZ" (Spark's default format in UTC), dates as "yyyy-MM-dd",
/// doubles as Java prints them (1.0, 1.0E10; NaN/Infinity as strings), binary as base64, maps as objects.
/// </summary>
public static class JsonLinesWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        SkipValidation = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes every row of <paramref name="batch"/> to <paramref name="stream"/> (UTF-8, '\n' after each row).</summary>
    public static void Write(Stream stream, RecordBatch batch, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(batch);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        var names = new JsonEncodedText[batch.ColumnCount];
        for (int c = 0; c < names.Length; c++) names[c] = JsonEncodedText.Encode(batch.Schema.FieldsList[c].Name, WriterOptions.Encoder);
        for (int r = 0; r < batch.Length; r++)
        {
            json.WriteStartObject();
            for (int c = 0; c < names.Length; c++)
            {
                var col = batch.Column(c);
                if (col.IsNull(r)) continue;
                json.WritePropertyName(names[c]);
                WriteValue(json, col, r);
            }
            json.WriteEndObject();
            json.Flush();
            buffer.Write("\n"u8);
            json.Reset(buffer);
            if (buffer.WrittenCount > 48 * 1024)
            {
                stream.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }
        stream.Write(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter w, IArrowArray array, int i)
    {
        if (array.IsNull(i))
        {
            w.WriteNullValue();
            return;
        }
        switch (array)
        {
            case BooleanArray a: w.WriteBooleanValue(a.GetValue(i)!.Value); break;
            case Int32Array a: w.WriteNumberValue(a.Values[i]); break;
            case Int64Array a: w.WriteNumberValue(a.Values[i]); break;
            case Int16Array a: w.WriteNumberValue(a.Values[i]); break;
            case Int8Array a: w.WriteNumberValue(a.Values[i]); break;
            case DoubleArray a: WriteDouble(w, a.Values[i], ValueText.JavaDouble(a.Values[i])); break;
            case FloatArray a: WriteDouble(w, a.Values[i], ValueText.JavaFloat(a.Values[i])); break;
            case Decimal128Array a: w.WriteRawValue(a.GetString(i), skipInputValidation: true); break;
            case StringArray a: w.WriteStringValue(a.GetBytes(i)); break;
            case BinaryArray a: w.WriteBase64StringValue(a.GetBytes(i)); break;
            case TimestampArray a: w.WriteStringValue(ValueText.TimestampIso(ValueText.TimestampMicros(a, i))); break;
            case Date32Array a: w.WriteStringValue(ValueText.Date(a.Values[i])); break;
            case StructArray a:
            {
                w.WriteStartObject();
                var fields = ((Apache.Arrow.Types.StructType)a.Data.DataType).Fields;
                for (int f = 0; f < fields.Count; f++)
                {
                    if (a.Fields[f].IsNull(i)) continue;
                    w.WritePropertyName(fields[f].Name);
                    WriteValue(w, a.Fields[f], i);
                }
                w.WriteEndObject();
                break;
            }
            case MapArray a:
            {
                w.WriteStartObject();
                for (int k = a.ValueOffsets[i]; k < a.ValueOffsets[i + 1]; k++)
                {
                    w.WritePropertyName(ValueText.Show(a.Keys, k, nested: true));
                    WriteValue(w, a.Values, k);
                }
                w.WriteEndObject();
                break;
            }
            case ListArray a:
            {
                w.WriteStartArray();
                for (int k = a.ValueOffsets[i]; k < a.ValueOffsets[i + 1]; k++) WriteValue(w, a.Values, k);
                w.WriteEndArray();
                break;
            }
            default:
                w.WriteStringValue(Convert.ToString(ArrowValues.GetValue(array, i), CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, double d, string javaText)
    {
        if (double.IsFinite(d)) w.WriteRawValue(javaText, skipInputValidation: true);
        else w.WriteStringValue(javaText);
    }
}
