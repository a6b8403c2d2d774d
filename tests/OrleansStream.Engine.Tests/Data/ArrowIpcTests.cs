using Xunit;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Tests.Data;

public class ArrowIpcTests
{
    [Fact]
    public void Serialize_round_trips_all_types()
    {
        var batch = ArrowValues.FromRows(ArrowValuesTests.AllTypes, ArrowValuesTests.SampleRows());
        var bytes = ArrowIpc.Serialize(batch);
        var back = ArrowIpc.Deserialize(bytes);
        Assert.Equal(batch.Schema.FieldsList.Select(f => f.Name), back.Schema.FieldsList.Select(f => f.Name));
        ArrowValuesTests.AssertRows(ArrowValuesTests.SampleRows(), ArrowValues.ToRows(back));
    }

    [Fact]
    public void SerializeMany_round_trips_slices_and_zero_batches()
    {
        var batch = ArrowValues.FromRows(ArrowValuesTests.AllTypes, ArrowValuesTests.SampleRows());
        var parts = ArrowValues.Split(batch, 2);
        var bytes = ArrowIpc.SerializeMany([parts[1], parts[0]], batch.Schema);
        var back = ArrowIpc.DeserializeMany(bytes);
        Assert.Equal(2, back.Count);
        var rows = ArrowValuesTests.SampleRows();
        ArrowValuesTests.AssertRows([rows[2]], ArrowValues.ToRows(back[0]));
        ArrowValuesTests.AssertRows([rows[0], rows[1]], ArrowValues.ToRows(back[1]));

        var none = ArrowIpc.SerializeMany([], batch.Schema);
        Assert.Empty(ArrowIpc.DeserializeMany(none));
        Assert.Equal(13, ArrowIpc.ReadSchema(none).FieldsList.Count);
        Assert.Equal(0, ArrowIpc.Deserialize(none).Length);
    }
}
