namespace OrleansStream.Plan.Sql;

/// <summary>A Spark SQL expression that does not parse. The message names the offending text and its position,
/// e.g. <c>[PARSE_SYNTAX_ERROR] Syntax error at or near ')' (position 8) in 'a + (b *)'</c>.</summary>
public sealed class SqlParseException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public SqlParseException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public SqlParseException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with an empty message.</summary>
    public SqlParseException() { }

    /// <summary>The 0-based character position of the offending token in the parsed text, or -1.</summary>
    public int Position { get; init; } = -1;
}
