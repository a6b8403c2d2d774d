using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Tests.State;

// The lanes must give each row the hash of its encoded key: key groups, partitions and table layouts (and so the state a
// checkpoint holds) may not depend on whether the machine has AVX-512 or on where a batch's rows fall in the lanes.
public class KeyHashLanesTests
{
    private static long[] Values(int length, int seed)
    {
        var random = new Random(seed);
        long[] edges = [0, 1, -1, long.MinValue, long.MaxValue, 255, 256, 1L << 56, -(1L << 56), 0x0102030405060708];
        return Enumerable.Range(0, length).Select(i => i < edges.Length ? edges[i] : random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64)).ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(67)]
    [InlineData(1_000)]
    public void Int64Keys_HashAsTheirEncoding(int length)
    {
        var values = Values(length, length);
        var hashes = new ulong[length];
        KeyHashLanes.HashInt64Keys(values, hashes);
        var encoder = new KeyEncoder(DataTypesSchema("k bigint"));
        for (var r = 0; r < length; r++)
        {
            Assert.Equal(KeyHash.HashInt64Key(values[r], true), hashes[r]);
            Assert.Equal(KeyHash.Hash(Encode(encoder, [values[r]])), hashes[r]);
        }
    }

    [Theory]
    [InlineData(2, 9)]
    [InlineData(3, 8)]
    [InlineData(3, 1_001)]
    [InlineData(4, 333)]
    public void FixedKeys_HashAsTheirEncoding(int width, int length)
    {
        var columns = Enumerable.Range(0, 4).Select(c => Values(length, 31 * c + length)).ToArray();
        var hashes = new ulong[length];
        KeyHashLanes.HashInt64Columns(width, columns[0], columns[1], columns[2], columns[3], hashes);
        var encoder = new KeyEncoder(DataTypesSchema(string.Join(", ", Enumerable.Range(0, width).Select(c => $"c{c} bigint"))));
        for (var r = 0; r < length; r++)
        {
            var row = Enumerable.Range(0, width).Select(c => columns[c][r]).ToArray();
            Assert.Equal(KeyHash.HashInt64Columns(row, 0), hashes[r]);
            Assert.Equal(KeyHash.Hash(Encode(encoder, row)), hashes[r]);
        }
    }

    private static Apache.Arrow.Schema DataTypesSchema(string ddl) => StateTestData.Schema(ddl);

    private static byte[] Encode(KeyEncoder encoder, long[] row)
    {
        var batch = StateTestData.Batch(string.Join(", ", encoder.KeySchema.FieldsList.Select(f => f.Name + " bigint")), [row.Cast<object?>().ToArray()]);
        encoder.Encode(Enumerable.Range(0, batch.ColumnCount).Select(batch.Column).ToList(), 1);
        return encoder.Key(0).ToArray();
    }
}
