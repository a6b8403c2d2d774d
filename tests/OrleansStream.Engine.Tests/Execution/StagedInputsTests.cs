using Apache.Arrow;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Tests.Execution;

public sealed class StagedInputsTests
{
    // A one-row part tagged b.
    private static RecordBatch Bytes(byte b) =>
        new RecordBatch.Builder().Append("tag", false, c => c.Int64(v => v.Append(b))).Build();

    private static byte Tag(RecordBatch part) => (byte)((Int64Array)part.Column(0)).GetValue(0)!.Value;

    [Fact]
    public void Take_GivesTheAttemptsInputInProducerOrder_WhateverOrderItCameIn()
    {
        var staged = new StagedInputs();
        var attempt = Guid.NewGuid();
        staged.Add(attempt, 3, inputIndex: 0, producerStage: 0, producer: 1, Bytes(4));
        staged.Add(attempt, 3, inputIndex: 1, producerStage: -1, producer: 1, Bytes(2));
        staged.Add(attempt, 3, inputIndex: 0, producerStage: -1, producer: 0, Bytes(1));
        staged.Add(attempt, 3, inputIndex: 0, producerStage: -1, producer: 1, Bytes(3));

        var (parts, calls) = staged.Take(attempt, 3, _ => Assert.Fail("nothing to drop"));

        Assert.Equal(4, calls);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, parts.Select(p => Tag(p.Rows)).ToArray());
        Assert.Equal([0, 1, 0, 0], parts.Select(p => p.InputIndex));
        Assert.Equal(0, staged.AttemptCount);
    }

    // The next epoch's source tasks stage while this epoch finishes: its rows stay for its own finish.
    [Fact]
    public void Take_KeepsALaterEpochsAttempt_AndDropsOtherAttemptsAtThisEpochOrEarlier()
    {
        var staged = new StagedInputs();
        var (failed, earlier, running, next) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        staged.Add(failed, 5, 0, -1, 0, Bytes(10));
        staged.Add(earlier, 4, 0, -1, 0, Bytes(11));
        staged.Add(next, 6, 0, -1, 0, Bytes(20));
        staged.Add(running, 5, 0, -1, 0, Bytes(30));
        staged.Add(next, 6, 0, -1, 1, Bytes(21));
        var dropped = new List<byte>();

        var (parts, calls) = staged.Take(running, 5, b => dropped.Add(Tag(b)));

        Assert.Equal((1, 30), (calls, (int)Tag(parts.Single().Rows)));
        Assert.Equal(new byte[] { 10, 11 }, dropped.Order().ToArray());
        Assert.Equal(1, staged.AttemptCount);
        var (later, laterCalls) = staged.Take(next, 6, b => dropped.Add(Tag(b)));
        Assert.Equal(2, laterCalls);
        Assert.Equal(new byte[] { 20, 21 }, later.Select(p => Tag(p.Rows)).ToArray());
    }

    // An activation that lost what was staged (or an attempt nothing was staged for) answers with no calls: the caller
    // compares them with what the producers staged and fails the attempt.
    [Fact]
    public void Take_OfAnAttemptWithNothingStaged_HasNoCalls()
    {
        var staged = new StagedInputs();
        staged.Add(Guid.NewGuid(), 2, 0, -1, 0, Bytes(1));
        var dropped = 0;

        var (parts, calls) = staged.Take(Guid.NewGuid(), 2, _ => dropped++);

        Assert.Equal((0, 0, 1), (parts.Count, calls, dropped));
    }
}
