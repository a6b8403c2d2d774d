using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>Spark's StreamSuite, its expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkStreamSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task MapWithRecovery()
    {
        var input = Session.CreateMemoryStream<int>();
        await Session.TestStream(input.ToDF().Select((Col("value") + 1).As("value")), OutputMode.Append).Run(
            AddData(input, 1, 2, 3),
            CheckAnswer("2", "3", "4"),
            StopStream,
            AddData(input, 4, 5, 6),
            StartStream(),
            CheckAnswer("2", "3", "4", "5", "6", "7"));
    }

    [Fact]
    public async Task UnionTwoStreams()
    {
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        await Session.TestStream(input1.ToDF().Union(input2.ToDF()), OutputMode.Append).Run(
            AddData(input1, 1, 3, 5),
            CheckAnswer("1", "3", "5"),
            AddData(input2, 2, 4, 6),
            CheckAnswer("1", "2", "3", "4", "5", "6"),
            StopStream,
            AddData(input1, 7),
            StartStream(),
            AddData(input2, 8),
            CheckAnswer("1", "2", "3", "4", "5", "6", "7", "8"));
    }

    [Fact]
    public async Task FilterQuery()
    {
        var input = Session.CreateMemoryStream<int>();
        await Session.TestStream(input.ToDF().Where("value % 2 = 0"), OutputMode.Append).Run(
            AddData(input, 1, 2, 3, 4),
            CheckAnswer("2", "4"));
    }

    // Dataset.toDF(colNames*): renames every column by position; a count that does not match is refused naming both lists.
    [Fact]
    public async Task ToDF_RenamesEveryColumnByPosition()
    {
        var input = Session.CreateMemoryStream<(int, string)>();
        var renamed = input.ToDF().ToDF("a.b", "name").ToDF("id", "label");
        Assert.Equal(["id", "label"], renamed.Columns);
        await Session.TestStream(renamed.Where("id > 1"), OutputMode.Append).Run(
            AddData(input, (1, "x"), (2, "y")),
            CheckAnswer("2:y"));

        var error = Assert.Throws<ArgumentException>(() => input.ToDF().ToDF("only"));
        Assert.Contains("The number of columns doesn't match.", error.Message);
        Assert.Contains("Old column names (2): _1, _2", error.Message);
        Assert.Contains("New column names (1): only", error.Message);
    }
}
