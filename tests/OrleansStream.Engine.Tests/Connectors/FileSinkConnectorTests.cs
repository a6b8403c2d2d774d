using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Sinks;
using OrleansStream.Engine.Tests.Data;

namespace OrleansStream.Engine.Tests.Connectors;

public sealed class FileSinkConnectorTests : IDisposable
{
    private static readonly Schema IdSchema = new Schema.Builder().Field(f => f.Name("id").DataType(Int32Type.Default).Nullable(false)).Build();
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("update", null, "cp", "Data source json does not support update output mode.")]
    [InlineData("append", "", "cp", "'path' is not specified: the file sink needs option 'path'.")]
    [InlineData("append", "out", null, "checkpointLocation must be specified either through option(\"checkpointLocation\", ...) for file sinks.")]
    public void Validate_RefusesWhatSparkRefuses(string mode, string? path, string? checkpoint, string message)
    {
        var options = new Dictionary<string, string>();
        if (path is not null) options["path"] = path;
        if (checkpoint is not null) options["checkpointLocation"] = checkpoint;

        var error = Assert.ThrowsAny<Exception>(() => new FileSinkProvider().Validate(new SinkDescriptor("json", mode, options, null, IdSchema), new SinkContext()));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task EpochCommit_LogsTheFirstAttemptsFiles_AndRemovesAReplaysOwn()
    {
        var output = Path.Combine(_dir.Path, "out");
        var sink = new FileSinkProvider().CreateSink(Descriptor(output), new SinkContext());
        var queryId = Guid.NewGuid();
        await sink.OnQueryStartAsync(new SinkQueryStart(queryId, "cp", Restarted: false), default);
        Assert.Equal(SinkPartitioning.PerProducer, sink.Partitioning);

        var first = await WriteAsync(sink, epoch: 0, producers: [0, 1]);
        await sink.CommitAsync(0, first, new SinkEpochContext(queryId), default);
        // A replay of epoch 0 (a crash between the sink log and the commit log) writes new part files; the log keeps the first.
        var replay = await WriteAsync(sink, epoch: 0, producers: [0, 1]);
        await sink.CommitAsync(0, replay, new SinkEpochContext(queryId), default);

        Assert.Equal(2, first.Count);
        Assert.Equal(first.Order(StringComparer.Ordinal), new FileSinkLog(output).AllCommittedFiles().Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(replay, f => Assert.False(File.Exists(Path.Combine(output, f))));
        Assert.Equal($"FileSink[{output}] (json)", sink.Description);
    }

    private static async Task<IReadOnlyList<string>> WriteAsync(IStreamSink sink, long epoch, int[] producers)
    {
        var attempt = Guid.NewGuid();
        var messages = new List<string>();
        foreach (var producer in producers)
        {
            var writer = sink.CreateWriter(new SinkWriterContext(epoch, producer, attempt));
            var ids = new Int32Array.Builder().Append(producer).Build();
            await writer.WriteAsync(producer, [new RecordBatch(IdSchema, [ids], 1)], default);
            messages.AddRange(await writer.CommitAsync(new SinkCommitContext(Guid.Empty, Guid.Empty, null), default));
        }
        return messages;
    }

    private static SinkDescriptor Descriptor(string output) =>
        new("json", "append", new Dictionary<string, string> { ["path"] = output, ["checkpointLocation"] = "cp" }, null, IdSchema);
}
