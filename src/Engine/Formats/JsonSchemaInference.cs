using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Formats;

/// <summary>Spark's JSON schema inference: merges the type of every record.</summary>
internal sealed class JsonSchemaInference
{
    private enum Kind { Null, Boolean, Long, Double, String, Struct, Array }

    private sealed class Node
    {
        public Kind Kind;
        public SortedDictionary<string, Node>? Fields;
        public Node? Element;
    }

    private readonly Node _root = new() { Kind = Kind.Struct, Fields = new(StringComparer.Ordinal) };
    private readonly JsonSyntaxRewriter _syntax;
    private bool _rewriteFirst;

    public JsonSchemaInference(ReaderOptions options) => _syntax = new JsonSyntaxRewriter(options);

    /// <summary>Adds one line; false (with a reason) when it is not a JSON object. <paramref name="checkUtf8"/> when the file holds invalid UTF-8.</summary>
    public bool AddLine(ReadOnlySpan<byte> line, bool checkUtf8, out string? reason)
    {
        _syntax.Reset();
        try
        {
            // As when reading: a record with invalid UTF-8 anywhere is malformed, whatever field holds it.
            if (checkUtf8 && Utf8Lines.FirstInvalid(line) is >= 0 and var at)
            {
                reason = Utf8Lines.Describe(line, at);
                return false;
            }
            // As when reading: standard JSON first, rewritten from the syntax the options allow when it is not.
            bool tried = _rewriteFirst;
            Node? node;
            try
            {
                node = ReadRecord(tried && _syntax.TryRewrite(line) ? _syntax.Rewritten : line, out reason);
            }
            catch (JsonException) when (!tried && _syntax.TryRewrite(line))
            {
                _rewriteFirst = true;
                node = ReadRecord(_syntax.Rewritten, out reason);
            }
            if (node is null) return false;
            Merge(_root, node);
            return true;
        }
        catch (JsonException e)
        {
            reason = JsonLinesReader.InvalidJson(e, _syntax);
            return false;
        }
    }

    private Node? ReadRecord(ReadOnlySpan<byte> json, out string? reason)
    {
        var r = new Utf8JsonReader(json);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            reason = "the record is not a JSON object";
            return null;
        }
        var node = ReadValue(ref r);
        if (r.Read())
        {
            reason = "unexpected content after the JSON object";
            return null;
        }
        reason = null;
        return node;
    }

    public Schema ToSchema(string? corruptColumn)
    {
        var fields = new List<Field>();
        foreach (var (name, node) in _root.Fields!) fields.Add(new Field(name, ToArrow(node), true));
        if (corruptColumn is not null && !_root.Fields!.ContainsKey(corruptColumn))
        {
            fields.Add(new Field(corruptColumn, StringType.Default, true));
            fields.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }
        return new Schema(fields, null);
    }

    private static IArrowType ToArrow(Node n) => n.Kind switch
    {
        Kind.Boolean => BooleanType.Default,
        Kind.Long => Int64Type.Default,
        Kind.Double => DoubleType.Default,
        Kind.Struct => new StructType(n.Fields!.Select(kv => new Field(kv.Key, ToArrow(kv.Value), true)).ToList()),
        Kind.Array => new ListType(new Field("element", ToArrow(n.Element!), true)),
        _ => StringType.Default,
    };

    private Node ReadValue(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.Null: return new Node { Kind = Kind.Null };
            case JsonTokenType.True or JsonTokenType.False: return new Node { Kind = Kind.Boolean };
            case JsonTokenType.Number: return new Node { Kind = r.TryGetInt64(out _) ? Kind.Long : Kind.Double };
            // A bare NaN or infinity, rewritten into a string, is a number (a double) as in Spark.
            case JsonTokenType.String: return new Node { Kind = _syntax.IsNonNumericNumber(r.TokenStartIndex) ? Kind.Double : Kind.String };
            case JsonTokenType.StartArray:
            {
                var arr = new Node { Kind = Kind.Array, Element = new Node { Kind = Kind.Null } };
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) arr.Element = Merge(arr.Element, ReadValue(ref r));
                return arr;
            }
            case JsonTokenType.StartObject:
            {
                var obj = new Node { Kind = Kind.Struct, Fields = new(StringComparer.Ordinal) };
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var name = PropertyName(ref r);
                    r.Read();
                    var value = ReadValue(ref r);
                    if (name is null) continue;
                    obj.Fields[name] = obj.Fields.TryGetValue(name, out var existing) ? Merge(existing, value) : value;
                }
                return obj;
            }
            default: throw new JsonException("unexpected token " + r.TokenType);
        }
    }

    // A name whose escapes do not decode (a lone surrogate such as \uD800) is null: no column can have it, so the reader
    // skips that field as unknown and inference leaves it out.
    private static string? PropertyName(ref Utf8JsonReader r)
    {
        try
        {
            return r.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Merges <paramref name="b"/> into <paramref name="a"/> (in place when both are structs) and returns the result.</summary>
    private static Node Merge(Node a, Node b)
    {
        if (a.Kind == Kind.Null) return b;
        if (b.Kind == Kind.Null) return a;
        if (a.Kind == b.Kind)
        {
            if (a.Kind == Kind.Struct)
            {
                foreach (var (name, node) in b.Fields!)
                    a.Fields![name] = a.Fields.TryGetValue(name, out var existing) ? Merge(existing, node) : node;
            }
            else if (a.Kind == Kind.Array) a.Element = Merge(a.Element!, b.Element!);
            return a;
        }
        if (a.Kind is Kind.Long or Kind.Double && b.Kind is Kind.Long or Kind.Double) return new Node { Kind = Kind.Double };
        return new Node { Kind = Kind.String };
    }
}
