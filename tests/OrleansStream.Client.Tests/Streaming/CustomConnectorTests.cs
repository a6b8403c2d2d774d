using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Logical;
using OrleansStream.Grains.Hosting;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>A source and a sink that the test itself registers (AddSource / AddSink), run end to end on an embedded silo.</summary>
public sealed class CustomConnectorTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo => silo.AddSource<SequenceSource>().AddSink<CollectSink>(),
    });

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task CustomSourceToCustomSink_CommitsEachEpochThroughTheSinksEpochCommit()
    {
        var table = "t" + Guid.NewGuid().ToString("N");
        var query = await _session.ReadStream.Format("sequence").Option("rows", 10).Option("rowsPerBatch", 4).Load()
            .WriteStream.Format("collect").Option("table", table).StartAsync();

        await query.ProcessAllAvailableAsync();

        var epochs = CollectSink.Committed[table];
        Assert.Equal([0L, 1, 2], epochs.Keys.Order());
        Assert.Equal([0L, 1, 2, 3], epochs[0].Order());
        Assert.Equal([4L, 5, 6, 7], epochs[1].Order());
        Assert.Equal([8L, 9], epochs[2].Order());
        Assert.Equal("Sequence[rows=10]", query.LastProgress!.Sources[0].Description);
        Assert.Equal($"CollectSink[{table}]", query.LastProgress.Sink.Description);
        Assert.Equal("{\"next\":10}", query.LastProgress.Sources[0].EndOffset?.ToString());
        await query.StopAsync();
    }

    [Fact]
    public async Task CustomSource_InTheStreamTestLanguage_FeedsAMemorySink()
    {
        var df = _session.ReadStream.Format("sequence").Option("rows", 3).Load();

        await _session.TestStream(df).Run(
            CheckAnswer("0", "1", "2"),
            StopStream,
            StartStream(),
            CheckNewAnswer());
    }

    [Fact]
    public async Task StartAsync_WithAnUnknownSourceFormat_IsRefusedOnTheSiloNamingItAndTheKnownOnes()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _session.ReadStream.Format("nosuch").Schema("a INT").Load()
            .WriteStream.Format("memory").QueryName("q" + Guid.NewGuid().ToString("N")).StartAsync());

        Assert.Contains("Data source 'nosuch' does not support streamed reading. Supported: ", error.Message);
        Assert.Contains("sequence", error.Message);
        Assert.Contains("rate-micro-batch", error.Message);
    }

    [Fact]
    public async Task StartAsync_WithAnUnknownSinkFormat_IsRefusedOnTheSiloNamingItAndTheKnownOnes()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _session.ReadStream.Format("sequence").Option("rows", 1).Load()
            .WriteStream.Format("nosuch").StartAsync());

        Assert.Contains("Data source 'nosuch' does not support streamed writing. Supported: ", error.Message);
        Assert.Contains("collect", error.Message);
        Assert.Contains("foreachBatch", error.Message);
    }

    /// <summary>Rows 0..rows-1 of one BIGINT column "id", at most rowsPerBatch per epoch, spread over two partitions.</summary>
    private sealed class SequenceSource : ISourceProvider
    {
        private static readonly Schema IdSchema = new Schema.Builder().Field(f => f.Name("id").DataType(Int64Type.Default).Nullable(false)).Build();

        public IReadOnlyCollection<string> Formats { get; } = ["sequence"];

        public Schema ResolveSchema(SourceRelation source, SourceContext context) => IdSchema;

        public IStreamSource CreateStream(SourceRelation source, SourceContext context) => new Stream(
            long.Parse(source.Options["rows"], CultureInfo.InvariantCulture),
            source.Options.TryGetValue("rowsPerBatch", out var perBatch) ? long.Parse(perBatch, CultureInfo.InvariantCulture) : long.MaxValue);

        internal sealed record Offset(long Next);

        private sealed class Stream(long rows, long rowsPerBatch) : StreamSource<Offset>
        {
            public override Schema Schema => IdSchema;
            public override int NumPartitions => 2;
            public override string Description => $"Sequence[rows={rows}]";

            protected override Task<Offset?> LatestOffsetAsync(Offset? previous, Offset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
            {
                var from = previous?.Next ?? 0;
                var to = Math.Min(rows, from + Math.Min(rowsPerBatch, rows));
                return Task.FromResult(to > from ? new Offset(to) : null);
            }

            protected override async IAsyncEnumerable<RecordBatch> ReadAsync(Offset? start, Offset end, SourcePartition partition, Schema columns,
                [EnumeratorCancellation] CancellationToken cancellationToken)
            {
                var ids = new Int64Array.Builder();
                for (var id = start?.Next ?? 0; id < end.Next; id++)
                    if (id % partition.Count == partition.Index) ids.Append(id);
                var column = ids.Build();
                yield return new RecordBatch(IdSchema, [column], column.Length);
                await Task.CompletedTask;
            }
        }
    }

    /// <summary>
    /// A sink with a writer per producer: each writer parks its rows under a key of its own and returns the key as its commit
    /// message; the epoch commit moves the epoch's parked rows into the table (once, whatever replays).
    /// </summary>
    private sealed class CollectSink : ISinkProvider
    {
        public static readonly ConcurrentDictionary<string, ConcurrentDictionary<long, long[]>> Committed = new();
        private static readonly ConcurrentDictionary<string, long[]> Parked = new();

        public IReadOnlyCollection<string> Formats { get; } = ["collect"];

        public void Validate(SinkDescriptor sink, SinkContext context)
        {
            if (sink.Option("table") is null) throw new ArgumentException("The collect sink needs option 'table'.");
        }

        public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context) => new Sink(sink.Option("table")!);

        private sealed class Sink(string table) : IStreamSink
        {
            public string Description => $"CollectSink[{table}]";
            public SinkPartitioning Partitioning => SinkPartitioning.PerProducer;

            public ISinkWriter CreateWriter(SinkWriterContext context) => new Writer(context);

            public Task CommitAsync(long epoch, IReadOnlyList<string> messages, SinkEpochContext context, CancellationToken cancellationToken)
            {
                var rows = messages.SelectMany(key => Parked.TryRemove(key, out var parked) ? parked : []).ToArray();
                Committed.GetOrAdd(table, _ => new()).TryAdd(epoch, rows);
                return Task.CompletedTask;
            }
        }

        private sealed class Writer(SinkWriterContext context) : ISinkWriter
        {
            private readonly List<string> _keys = [];

            public Task WriteAsync(int producer, IReadOnlyList<RecordBatch> batches, CancellationToken cancellationToken)
            {
                var key = $"{context.Attempt:N}/{context.Epoch}/{producer}";
                Parked[key] = batches.SelectMany(b => ((Int64Array)b.Column(0)).Values.ToArray()).ToArray();
                _keys.Add(key);
                return Task.CompletedTask;
            }

            public Task<IReadOnlyList<string>> CommitAsync(SinkCommitContext commit, CancellationToken cancellationToken) =>
                Task.FromResult<IReadOnlyList<string>>(_keys);
        }
    }
}
