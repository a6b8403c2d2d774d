namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>Where a function may be called, which decides whether the binder accepts it in a row-wise expression.</summary>
internal enum FunctionKind
{
    /// <summary>Computes one value per row from the row's arguments: bound to a kernel.</summary>
    Scalar,
    /// <summary>Folds many rows into one (count, sum, ...): typed here, evaluated by the aggregation operators.</summary>
    Aggregate,
    /// <summary>Yields many rows from one (explode): typed here, evaluated by the generate operator.</summary>
    Generator,
    /// <summary>A time-window grouping key (window, session_window): typed here, assigned by the aggregation.</summary>
    Grouping,
}
