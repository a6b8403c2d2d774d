namespace OrleansStream.Plan;

/// <summary>
/// A query that cannot be analysed: an unknown column, a type mismatch, an unsupported construct. The message follows
/// Spark's error text where Spark has one (e.g. <c>[UNRESOLVED_COLUMN.WITH_SUGGESTION] ...</c>).
/// </summary>
public sealed class AnalysisException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AnalysisException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public AnalysisException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with an empty message.</summary>
    public AnalysisException() { }

    /// <summary>Spark's UNRESOLVED_COLUMN error, suggesting the available <paramref name="candidates"/>.</summary>
    public static AnalysisException UnresolvedColumn(string name, IEnumerable<string> candidates)
    {
        var list = string.Join(", ", candidates.Select(c => "`" + c + "`"));
        return new AnalysisException(
            $"[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `{name}` cannot be resolved. Did you mean one of the following? [{list}].");
    }
}
