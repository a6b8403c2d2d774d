using Apache.Arrow;
using Xunit;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Expressions;

/// <summary>from_json never fails a query on text it cannot decode: the value that does not decode is null, like one that does not fit.</summary>
public class FromJsonUndecodableTests
{
    private const string Schema = "'n STRING, ts TIMESTAMP, m MAP<STRING, INT>, k INT'";

    [Theory]
    [InlineData("{\"n\":\"\\uD800\",\"k\":1}", "n")]
    [InlineData("{\"n\":\"a\\\"\\uDC00\",\"k\":1}", "n")]
    [InlineData("{\"ts\":\"2024\\u002D01-0\\uD800\",\"k\":1}", "ts")]
    public void An_undecodable_escape_makes_its_value_null(string json, string field)
    {
        var row = Parse(Strs(json, "{\"k\":2}"));
        Assert.Null(row[0]![field]);
        Assert.Equal(1, row[0]!["k"]);
        Assert.Equal(2, row[1]!["k"]);
    }

    [Fact]
    public void An_undecodable_field_name_is_an_unknown_field()
    {
        var row = Parse(Strs("{\"\\uD800\":\"x\",\"k\":1}"));
        Assert.Equal(1, row[0]!["k"]);
    }

    [Fact]
    public void An_undecodable_map_key_drops_its_entry()
    {
        var row = Parse(Strs("{\"m\":{\"\\uD800\":1,\"ok\":2},\"k\":1}"));
        Assert.Equal(new Dictionary<object, object?> { ["ok"] = 2 }, row[0]!["m"]);
        Assert.Equal(1, row[0]!["k"]);
    }

    [Fact]
    public void Input_that_is_not_utf8_is_malformed_and_gives_null()
    {
        // A string column from outside the readers (which replace invalid UTF-8) may still hold raw bytes.
        var b = new StringArray.Builder();
        b.Append([.. "{\"n\":\"\\\"a"u8, 0xFF, .. "\",\"k\":1}"u8]);
        b.Append([.. "{\"m\":{\"a"u8, 0xFF, .. "\":1},\"k\":1}"u8]);
        b.Append("{\"k\":2}");
        var rows = Parse(b.Build());
        Assert.Null(rows[0]);
        Assert.Null(rows[1]);
        Assert.Equal(2, rows[2]!["k"]);
    }

    private static Dictionary<string, object?>?[] Parse(StringArray input) =>
        Values(Eval($"from_json(v, {Schema})", Batch(("v", input)))).Cast<Dictionary<string, object?>?>().ToArray();
}
