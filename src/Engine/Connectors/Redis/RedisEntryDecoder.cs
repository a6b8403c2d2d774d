using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Formats;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;
using StackExchange.Redis;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// Turns pages of stream entries into Arrow batches of the columns a query reads, writing values straight into the column
/// buffers: the stream key, the entry id, the id's time, and either the entry's fields as a map or the declared columns parsed
/// from the fields of the same names (a missing field is null; fields no column declares are skipped).
/// </summary>
internal sealed class RedisEntryDecoder
{
    private enum Kind { Stream, Id, Timestamp, Fields, Declared }

    private readonly Schema _columns;
    private readonly Kind[] _kinds;
    private readonly byte[]?[] _names;
    private readonly bool[] _required;

    /// <param name="columns">The columns to decode: a part of <see cref="RedisStreamsOptions.Schema"/>, in its order.</param>
    public RedisEntryDecoder(Schema columns)
    {
        _columns = columns;
        var count = columns.FieldsList.Count;
        _kinds = new Kind[count];
        _names = new byte[count][];
        _required = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var field = columns.FieldsList[i];
            _kinds[i] = field.Name switch
            {
                "stream" => Kind.Stream,
                "id" => Kind.Id,
                "timestamp" => Kind.Timestamp,
                "fields" when field.DataType is MapType => Kind.Fields,
                _ => Kind.Declared,
            };
            if (_kinds[i] != Kind.Declared) continue;
            _names[i] = Encoding.UTF8.GetBytes(field.Name);
            _required[i] = !field.IsNullable;
        }
    }

    /// <summary>The batch of <paramref name="entries"/> of stream <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">A field does not parse as its declared column; the message names the stream, the entry id and the field.</exception>
    public RecordBatch Decode(string stream, ReadOnlySpan<StreamEntry> entries)
    {
        var builders = new ColumnBuilder[_kinds.Length];
        for (var c = 0; c < builders.Length; c++) builders[c] = ColumnBuilder.Create(_columns.FieldsList[c].DataType);
        var streamBytes = Encoding.UTF8.GetBytes(stream);
        foreach (var entry in entries)
        {
            var id = Bytes(entry.Id);
            for (var c = 0; c < builders.Length; c++)
            {
                switch (_kinds[c])
                {
                    case Kind.Stream:
                        ((BinaryColumnBuilder)builders[c]).AppendBytes(streamBytes);
                        break;
                    case Kind.Id:
                        ((BinaryColumnBuilder)builders[c]).AppendBytes(id.Span);
                        break;
                    case Kind.Timestamp:
                        ((FixedWidthColumnBuilder<long>)builders[c]).Append(ParseId(stream, id.Span).TimestampMicros);
                        break;
                    case Kind.Fields:
                        var map = (MapColumnBuilder)builders[c];
                        foreach (var pair in entry.Values)
                        {
                            AppendText((BinaryColumnBuilder)map.Keys, Bytes(pair.Name).Span);
                            AppendText((BinaryColumnBuilder)map.Values, Bytes(pair.Value).Span);
                        }
                        map.EndMap();
                        break;
                    default:
                        AppendDeclared(builders[c], c, stream, entry);
                        break;
                }
            }
        }
        var arrays = new IArrowArray[builders.Length];
        for (var c = 0; c < arrays.Length; c++) arrays[c] = builders[c].Build();
        return new RecordBatch(_columns, arrays, entries.Length);
    }

    private void AppendDeclared(ColumnBuilder builder, int column, string stream, StreamEntry entry)
    {
        var name = _names[column]!;
        foreach (var pair in entry.Values)
        {
            if (!Bytes(pair.Name).Span.SequenceEqual(name)) continue;
            var value = Bytes(pair.Value).Span;
            if (builder.Type.TypeId == ArrowTypeId.Binary)
            {
                ((BinaryColumnBuilder)builder).AppendBytes(value);
                return;
            }
            if (builder.Type.TypeId == ArrowTypeId.String)
            {
                AppendText((BinaryColumnBuilder)builder, value);
                return;
            }
            var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(value.Length));
            try
            {
                var text = chars.AsSpan(0, Encoding.UTF8.GetChars(value, chars));
                TextColumnAppender.Append(builder, text);
                if (_required[column] && builder.NullCount > 0) throw Malformed(stream, entry, column, "is empty, and the column is NOT NULL");
            }
            catch (MalformedValueException ex)
            {
                throw Malformed(stream, entry, column, ex.Message);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars);
            }
            return;
        }
        if (_required[column]) throw Malformed(stream, entry, column, "is missing, and the column is NOT NULL");
        builder.AppendNull();
    }

    // Text of a string column: UTF-8 as Redis holds it, invalid sequences replaced by U+FFFD (as the text formats do).
    private static void AppendText(BinaryColumnBuilder builder, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value)) builder.AppendBytes(value);
        else builder.AppendString(Encoding.UTF8.GetString(value));
    }

    private InvalidDataException Malformed(string stream, StreamEntry entry, int column, string reason)
    {
        var field = _columns.FieldsList[column];
        return new InvalidDataException($"Redis stream '{stream}' entry {entry.Id}: field '{field.Name}' {reason} (option 'schema' declares {field.Name} {DataTypes.ToDdl(field.DataType)}{(field.IsNullable ? "" : " NOT NULL")}).");
    }

    private static RedisStreamId ParseId(string stream, ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[48];
        return id.Length <= chars.Length && Ascii.ToUtf16(id, chars, out var written) == OperationStatus.Done && RedisStreamId.TryParse(chars[..written], out var parsed)
            ? parsed
            : throw new InvalidDataException($"Redis stream '{stream}' has an entry whose id '{Encoding.UTF8.GetString(id)}' is not <milliseconds>-<sequence>.");
    }

    private static ReadOnlyMemory<byte> Bytes(RedisValue value) => (ReadOnlyMemory<byte>)value;
}
