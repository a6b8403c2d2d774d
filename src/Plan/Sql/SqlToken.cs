namespace OrleansStream.Plan.Sql;

/// <summary>Kinds of <see cref="SqlToken"/>.</summary>
internal enum SqlTokenKind { Identifier, QuotedIdentifier, Number, String, Symbol, End }

/// <summary>One lexical token of a SQL expression: its kind, its (unescaped) text and where it starts.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Position, int EndPosition)
{
    public bool IsSymbol(string s) => Kind == SqlTokenKind.Symbol && Text == s;

    public bool IsKeyword(string kw) => Kind == SqlTokenKind.Identifier && string.Equals(Text, kw, StringComparison.OrdinalIgnoreCase);
}
