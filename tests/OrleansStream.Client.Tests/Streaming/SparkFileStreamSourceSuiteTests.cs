using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>Spark's FileStreamSourceSuite, its expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkFileStreamSourceSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private string NewFolder(string name) => fixture.Data.Sub(name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Spark's AddTextFileData: the file is written elsewhere and renamed into the source folder, so the source
    /// never sees it half written.</summary>
    private StreamAction AddTextFileData(string content, string src, string? name = null) => Execute(_ =>
    {
        var tmp = NewFolder("tmp");
        var file = Path.Combine(tmp, name ?? Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(file, content);
        File.Move(file, Path.Combine(src, Path.GetFileName(file)));
        return Task.CompletedTask;
    }, $"AddTextFileData({content.Replace("\n", "\\n", StringComparison.Ordinal)})");

    [Fact]
    public async Task ReadFromTextFiles()
    {
        var src = NewFolder("src");
        var filtered = Session.ReadStream.Format("text").Load(src).Where("value LIKE '%keep%'");
        await Session.TestStream(filtered, OutputMode.Append).Run(
            AddTextFileData("drop1\nkeep2\nkeep3", src),
            CheckAnswer("keep2", "keep3"),
            StopStream,
            AddTextFileData("drop4\nkeep5\nkeep6", src),
            StartStream(),
            CheckAnswer("keep2", "keep3", "keep5", "keep6"),
            AddTextFileData("drop7\nkeep8\nkeep9", src),
            CheckAnswer("keep2", "keep3", "keep5", "keep6", "keep8", "keep9"));
    }

    // SPARK-21996/SPARK-43343: file names with special characters.
    [Theory]
    [InlineData(" ")]
    [InlineData("[")]
    [InlineData("[123]")]
    public async Task ReadFromTextFiles_FileNameHasSpecialChars(string special)
    {
        var src = NewFolder("src");
        var filtered = Session.ReadStream.Format("text").Load(src).Where("value LIKE '%keep%'");
        await Session.TestStream(filtered, OutputMode.Append).Run(
            AddTextFileData("drop1\nkeep2\nkeep3", src, $"text{special}text"),
            CheckAnswer("keep2", "keep3"));
    }

    [Fact]
    public async Task ReadFromJsonFiles()
    {
        var src = NewFolder("src");
        var filtered = Session.ReadStream.Format("json").Schema("value STRING").Load(src).Where("value LIKE '%keep%'");
        await Session.TestStream(filtered, OutputMode.Append).Run(
            AddTextFileData("{'value': 'drop1'}\n{'value': 'keep2'}\n{'value': 'keep3'}", src),
            CheckAnswer("keep2", "keep3"),
            StopStream,
            AddTextFileData("{'value': 'drop4'}\n{'value': 'keep5'}\n{'value': 'keep6'}", src),
            StartStream(),
            CheckAnswer("keep2", "keep3", "keep5", "keep6"),
            AddTextFileData("{'value': 'drop7'}\n{'value': 'keep8'}\n{'value': 'keep9'}", src),
            CheckAnswer("keep2", "keep3", "keep5", "keep6", "keep8", "keep9"));
    }
}
