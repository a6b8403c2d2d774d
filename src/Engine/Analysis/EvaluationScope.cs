using Apache.Arrow;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Analysis;

/// <summary>
/// One evaluation of bound expressions over one batch: the batch, the epoch, and the results of the sub-expressions that
/// the expressions share (their slots numbered at binding), so a tree that repeats itself (q14's four
/// <c>CAST(dateTime AS LONG) % 86400</c>, a filter's two <c>price * 0.908</c>) computes each shared part once. Arrays are
/// never modified after they are built, so a result can be shared.
/// </summary>
internal sealed class EvaluationScope
{
    private readonly IArrowArray?[] _slots;

    /// <summary>A scope over <paramref name="batch"/> with room for <paramref name="slotCount"/> shared results.</summary>
    public EvaluationScope(RecordBatch batch, EpochContext context, int slotCount)
    {
        Batch = batch ?? throw new ArgumentNullException(nameof(batch));
        Context = context ?? throw new ArgumentNullException(nameof(context));
        _slots = slotCount == 0 ? [] : new IArrowArray?[slotCount];
    }

    /// <summary>The batch the expressions are evaluated over.</summary>
    public RecordBatch Batch { get; }

    /// <summary>The epoch (batch timestamp for current_timestamp()).</summary>
    public EpochContext Context { get; }

    /// <summary>The batch's row count: every result has this length.</summary>
    public int Length => Batch.Length;

    /// <summary>The shared result in slot <paramref name="slot"/>, null until it is computed.</summary>
    public ref IArrowArray? Slot(int slot) => ref _slots[slot];
}
