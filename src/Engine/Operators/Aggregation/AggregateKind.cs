namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>The aggregate functions the aggregation operators evaluate (aliases resolved).</summary>
internal enum AggregateKind
{
    Count,
    Sum,
    Average,
    Min,
    Max,
    First,
    Last,
    ApproxCountDistinct,
}
