using Apache.Arrow;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class KeyEncoderTests
{
    private static List<byte[]> EncodeAll(Schema schema, RecordBatch batch)
    {
        var encoder = new KeyEncoder(schema);
        encoder.Encode(Columns(batch, Enumerable.Range(0, batch.ColumnCount).ToArray()), batch.Length);
        return Enumerable.Range(0, batch.Length).Select(r => encoder.Key(r).ToArray()).ToList();
    }

    [Fact]
    public void Encode_NullIsOneValueDistinctFromZero()
    {
        var keys = EncodeAll(Schema("k int"), Batch("k int", [null], [0], [null], [0]));
        Assert.Equal(keys[0], keys[2]);
        Assert.Equal(keys[1], keys[3]);
        Assert.NotEqual(keys[0], keys[1]);
    }

    [Fact]
    public void Encode_NegativeZeroEqualsZero_AndAllNaNsAreEqual()
    {
        var otherNaN = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0001);
        Assert.True(double.IsNaN(otherNaN));
        var d = EncodeAll(Schema("k double"), Batch("k double", [-0.0], [0.0], [double.NaN], [otherNaN], [1.0], [null]));
        Assert.Equal(d[0], d[1]);
        Assert.Equal(d[2], d[3]);
        Assert.NotEqual(d[0], d[2]);
        Assert.NotEqual(d[0], d[4]);
        Assert.NotEqual(d[0], d[5]);

        var otherFloatNaN = BitConverter.Int32BitsToSingle(0x7FC0_0001);
        var f = EncodeAll(Schema("k float"), Batch("k float", [-0.0f], [0.0f], [float.NaN], [otherFloatNaN]));
        Assert.Equal(f[0], f[1]);
        Assert.Equal(f[2], f[3]);
        Assert.NotEqual(f[0], f[2]);
    }

    [Fact]
    public void Encode_StringsCompareByUtf8Bytes_NullDiffersFromEmpty()
    {
        // "é" precomposed vs "e" + combining accent are different strings to Spark (no normalisation).
        var keys = EncodeAll(Schema("k string"), Batch("k string", ["日本"], ["é"], ["e\u0301"], ["日本"], ["😀"], [null], [""], ["😀"]));
        Assert.Equal(keys[0], keys[3]);
        Assert.Equal(keys[4], keys[7]);
        Assert.NotEqual(keys[1], keys[2]);
        Assert.NotEqual(keys[5], keys[6]);
        Assert.NotEqual(keys[0], keys[4]);
    }

    [Fact]
    public void Encode_CompositeKeysCannotRunTogether()
    {
        var keys = EncodeAll(Schema("a string, b string"), Batch("a string, b string", ["ab", "c"], ["a", "bc"], [null, "abc"], ["", "abc"]));
        Assert.Equal(4, keys.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Encode_SameKeyFromSlicedAndFreshArraysIsEqual()
    {
        var big = Batch("k string, n bigint", ["x", 1L], ["y", null], ["日本", 3L], ["x", 1L]);
        var sliced = big.Slice(2, 2);
        var fresh = Batch("k string, n bigint", ["x", 1L], ["日本", 3L]);
        var a = EncodeAll(big.Schema, sliced);
        var b = EncodeAll(fresh.Schema, fresh);
        Assert.Equal(b[1], a[0]);
        Assert.Equal(b[0], a[1]);
    }

    [Fact]
    public void Decode_RoundTripsEveryKeyType()
    {
        const string ddl = "b boolean, t tinyint, s smallint, i int, l bigint, f float, d double, m decimal(10,2), " +
                           "str string, bin binary, ts timestamp, dt date";
        var ts = new DateTime(2024, 3, 1, 12, 30, 15, DateTimeKind.Utc).AddTicks(1230);
        var rows = new[]
        {
            new object?[] { true, (sbyte)-5, (short)300, -7, 1L << 40, 1.5f, -0.0, 12.34m, "日本 😀", new byte[] { 0, 255 }, ts, new DateOnly(2024, 2, 29) },
            new object?[] { null, null, null, null, null, null, null, null, null, null, null, null },
            new object?[] { false, (sbyte)0, (short)0, 0, 0L, float.NaN, double.NaN, -0.01m, "", System.Array.Empty<byte>(), DateTime.UnixEpoch, new DateOnly(1969, 12, 31) },
        };
        var batch = Batch(ddl, rows);
        var schema = batch.Schema;
        var keys = EncodeAll(schema, batch);
        var decoded = new KeyEncoder(schema).Decode(keys);
        var back = Rows(new RecordBatch(schema, decoded, keys.Count));
        // -0.0 comes back as 0.0, as Spark normalises grouping keys.
        rows[0][6] = 0.0;
        Assert.Equal(rows.Select(Print), back.Select(Print));
    }

    [Fact]
    public void TryReadInt64_ReadsTimestampAfterAStringColumn()
    {
        var batch = Batch("k string, w timestamp, n bigint", ["abc", DateTime.UnixEpoch.AddTicks(50), 9L], ["", null, null]);
        var encoder = new KeyEncoder(batch.Schema);
        encoder.Encode(Columns(batch, 0, 1, 2), 2);
        Assert.True(encoder.TryReadInt64(encoder.Key(0), 1, out var micros));
        Assert.Equal(5L, micros);
        Assert.True(encoder.TryReadInt64(encoder.Key(0), 2, out var n));
        Assert.Equal(9L, n);
        Assert.False(encoder.TryReadInt64(encoder.Key(1), 1, out _));
        Assert.Throws<ArgumentException>(() => encoder.TryReadInt64(encoder.Key(0), 0, out _));
    }

    [Fact]
    public void Constructor_UnsupportedKeyType_NamesTheType()
    {
        var ex = Assert.Throws<NotSupportedException>(() => new KeyEncoder(Schema("k array<int>")));
        Assert.Contains("array<int>", ex.Message);
        Assert.Contains("'k'", ex.Message);
        Assert.Throws<NotSupportedException>(() => new KeyEncoder(Schema("k struct<a: int>")));
    }

    [Fact]
    public void Encode_ColumnOfTheWrongType_Throws()
    {
        var encoder = new KeyEncoder(Schema("k int"));
        Assert.Throws<ArgumentException>(() => encoder.Encode([Column("bigint", 1L)], 1));
    }
}
