using OrleansStream.Client;

namespace OrleansStream.Samples.Processors;

/// <summary>A running total of "amount" per user, emitted with each epoch that brings the user's events.</summary>
public sealed class UserTotals : StatefulProcessor
{
    private IValueState<double> _total = null!;

    /// <inheritdoc />
    public override void Init(StatefulProcessorHandle handle) => _total = handle.GetValueState<double>("total");

    /// <inheritdoc />
    public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
    {
        var total = _total.Get() + rows.Sum(r => r.Get<double>("amount"));
        _total.Update(total);
        return [new Row([key[0], total], ["user", "total"])];
    }
}
