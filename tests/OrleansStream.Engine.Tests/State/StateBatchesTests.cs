using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Tests.State;

public class StateBatchesTests
{
    // A delta's rows are its removed keys, then its live ones: "__deleted" is true for exactly the first `removed` rows, at
    // every count (whole bytes of bits and parts of one), and still after the batch is written and read back (Arrow IPC).
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 5)]
    [InlineData(3, 0)]
    [InlineData(7, 2)]
    [InlineData(8, 8)]
    [InlineData(9, 0)]
    [InlineData(17, 30)]
    [InlineData(64, 1)]
    public void Build_MarksExactlyTheRemovedRowsDeleted(int removed, int live)
    {
        var schema = StateBatches.Schema(new Schema([new Field("k", Int64Type.Default, false)], null), [new Field("v", Int64Type.Default, false)]);
        var removedKeys = new Int64Array.Builder().AppendRange(Enumerable.Range(0, removed).Select(i => (long)i)).Build();
        var liveKeys = new Int64Array.Builder().AppendRange(Enumerable.Range(1000, live).Select(i => (long)i)).Build();
        var values = new Int64Array.Builder().AppendRange(Enumerable.Range(0, removed + live).Select(i => (long)i * 10)).Build();

        var batch = StateBatches.Build(schema, removed, [removedKeys], live, [liveKeys], [values]);

        Assert.Equal(removed + live, batch.Length);
        var deleted = (BooleanArray)batch.Column(0);
        Assert.Equal(0, deleted.NullCount);
        Assert.Equal(Enumerable.Range(0, removed + live).Select(r => r < removed), Enumerable.Range(0, batch.Length).Select(r => deleted.GetValue(r) == true));
        var keys = (Int64Array)batch.Column(1);
        Assert.Equal(Enumerable.Range(0, removed).Concat(Enumerable.Range(1000, live)).Select(i => (long?)i), Enumerable.Range(0, batch.Length).Select(keys.GetValue));
        var read = OrleansStream.Plan.Data.ArrowIpc.Deserialize(OrleansStream.Plan.Data.ArrowIpc.Serialize(batch));
        var readDeleted = (BooleanArray)read.Column(0);
        Assert.Equal(Enumerable.Range(0, removed + live).Select(r => r < removed), Enumerable.Range(0, read.Length).Select(r => readDeleted.GetValue(r) == true));
    }
}
