using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Connectors;

namespace OrleansStream.Engine.Tests.Connectors;

public sealed class GatheringSinkWriterTests
{
    private static readonly Schema IdSchema = new Schema.Builder().Field(f => f.Name("id").DataType(Int32Type.Default).Nullable(false)).Build();

    [Fact]
    public async Task Commit_HandsOnOneBatchInProducerOrder_WhateverOrderTheProducersWroteIn()
    {
        var writer = new Recording();
        await writer.WriteAsync(2, [Batch(5), Batch(6)], default);
        await writer.WriteAsync(0, [Batch(1)], default);
        await writer.WriteAsync(1, [Batch(3)], default);

        var messages = await writer.CommitAsync(new SinkCommitContext(Guid.Empty, Guid.Empty, null), default);

        Assert.Empty(messages);
        Assert.Equal([1, 3, 5, 6], writer.Committed!);
    }

    [Fact]
    public async Task Commit_WithoutRows_HandsOnAnEmptyBatch()
    {
        var writer = new Recording();

        await writer.CommitAsync(new SinkCommitContext(Guid.Empty, Guid.Empty, null), default);

        Assert.Equal([], writer.Committed!);
    }

    private static RecordBatch Batch(int id) => new(IdSchema, [new Int32Array.Builder().Append(id).Build()], 1);

    private sealed class Recording() : GatheringSinkWriter(IdSchema)
    {
        public int[]? Committed { get; private set; }

        protected override Task CommitRowsAsync(RecordBatch rows, SinkCommitContext context, CancellationToken cancellationToken)
        {
            Committed = ((Int32Array)rows.Column(0)).Values.ToArray();
            return Task.CompletedTask;
        }
    }
}
