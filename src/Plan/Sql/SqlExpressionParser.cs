using System.Globalization;
using System.Text;
using OrleansStream.Plan.Expressions;
using OrleansStream.Plan.Types;

namespace OrleansStream.Plan.Sql;

/// <summary>
/// Parses Spark SQL expressions (the text of <c>expr(...)</c>, <c>selectExpr(...)</c> and <c>where("...")</c>) into <see cref="Expr"/> trees.
/// </summary>
/// <remarks>
/// Supported: number, string ('single' or "double" quoted), true/false/null, DATE '...' and TIMESTAMP '...' literals;
/// identifiers (backticks, dotted struct paths), <c>*</c> and <c>q.*</c>; + - * / % and || (concat); = == != &lt;&gt; &lt; &lt;= &gt; &gt;= &lt;=&gt;;
/// AND OR NOT; IS [NOT] NULL; [NOT] IN (...); [NOT] BETWEEN a AND b; [NOT] LIKE / RLIKE; parentheses;
/// CAST(x AS type) / TRY_CAST / x::type; CASE [x] WHEN ... THEN ... [ELSE ...] END; function calls with DISTINCT and count(*).
/// Precedence, low to high: OR, AND, NOT, comparison / IS / IN / BETWEEN / LIKE, || , + -, * / %, unary - + , postfix field access.
/// </remarks>
public static class SqlExpressionParser
{
    /// <summary>Parses one expression.</summary>
    /// <exception cref="SqlParseException">Syntax error; the message holds the position and the offending text.</exception>
    public static Expr Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var p = new Parser(sql);
        var e = p.ParseExpression();
        p.ExpectEnd();
        return e;
    }

    /// <summary>Parses one select-list item: an expression optionally followed by <c>AS name</c> or just <c>name</c>,
    /// which yields an <see cref="Alias"/>.</summary>
    /// <exception cref="SqlParseException">Syntax error.</exception>
    public static Expr ParseNamed(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var p = new Parser(sql);
        var e = p.ParseNamedExpression();
        p.ExpectEnd();
        return e;
    }

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "AND", "OR", "NOT", "IS", "NULL", "AS", "FROM", "WHERE", "CASE", "WHEN", "THEN", "ELSE", "END", "IN", "BETWEEN",
        "LIKE", "RLIKE", "ILIKE", "DISTINCT", "TRUE", "FALSE", "CAST", "INTERVAL", "DIV",
    };

    private sealed class Parser(string text)
    {
        private readonly string _text = text;
        private readonly List<SqlToken> _tokens = SqlLexer.Tokenize(text);
        private int _i;

        private SqlToken Cur => _tokens[_i];
        private SqlToken PeekAt(int k) => _tokens[Math.Min(_i + k, _tokens.Count - 1)];
        private SqlToken Next() => _tokens[_i++ < _tokens.Count - 1 ? _i - 1 : _tokens.Count - 1];

        public void ExpectEnd()
        {
            if (Cur.Kind != SqlTokenKind.End) throw ErrorAt(Cur);
        }

        public Expr ParseNamedExpression()
        {
            var e = ParseExpression();
            if (Cur.IsKeyword("AS"))
            {
                Next();
                return new Alias(e, ParseAliasName());
            }
            if (Cur.Kind == SqlTokenKind.QuotedIdentifier || (Cur.Kind == SqlTokenKind.Identifier && !Reserved.Contains(Cur.Text)))
                return new Alias(e, ParseAliasName());
            return e;
        }

        private string ParseAliasName()
        {
            var t = Cur;
            if (t.Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier) { Next(); return t.Text; }
            if (t.Kind == SqlTokenKind.String) { Next(); return t.Text; }
            throw ErrorAt(t);
        }

        public Expr ParseExpression() => ParseOr();

        private Expr ParseOr()
        {
            var left = ParseAnd();
            while (Cur.IsKeyword("OR"))
            {
                Next();
                left = new BinaryExpr(BinaryOp.Or, left, ParseAnd());
            }
            return left;
        }

        private Expr ParseAnd()
        {
            var left = ParseNot();
            while (Cur.IsKeyword("AND") || Cur.IsSymbol("&&"))
            {
                Next();
                left = new BinaryExpr(BinaryOp.And, left, ParseNot());
            }
            return left;
        }

        private Expr ParseNot()
        {
            if (Cur.IsKeyword("NOT") || Cur.IsSymbol("!"))
            {
                Next();
                return new UnaryExpr(UnaryOp.Not, ParseNot());
            }
            return ParsePredicate();
        }

        private Expr ParsePredicate()
        {
            var left = ParseConcat();
            while (true)
            {
                var t = Cur;
                BinaryOp? op = t.Kind == SqlTokenKind.Symbol ? t.Text switch
                {
                    "=" or "==" => BinaryOp.Equal,
                    "!=" or "<>" => BinaryOp.NotEqual,
                    "<" => BinaryOp.LessThan,
                    "<=" => BinaryOp.LessThanOrEqual,
                    ">" => BinaryOp.GreaterThan,
                    ">=" => BinaryOp.GreaterThanOrEqual,
                    "<=>" => BinaryOp.EqualNullSafe,
                    _ => null,
                } : null;
                if (op is { } o)
                {
                    Next();
                    left = new BinaryExpr(o, left, ParseConcat());
                    continue;
                }
                if (t.IsKeyword("IS"))
                {
                    Next();
                    var negate = false;
                    if (Cur.IsKeyword("NOT")) { Next(); negate = true; }
                    if (Cur.IsKeyword("NULL"))
                    {
                        Next();
                        left = new UnaryExpr(negate ? UnaryOp.IsNotNull : UnaryOp.IsNull, left);
                        continue;
                    }
                    if (Cur.IsKeyword("TRUE") || Cur.IsKeyword("FALSE"))
                    {
                        var value = Next().IsKeyword("TRUE");
                        Expr cmp = new BinaryExpr(BinaryOp.EqualNullSafe, left, new Literal(value, "boolean"));
                        left = negate ? new UnaryExpr(UnaryOp.Not, cmp) : cmp;
                        continue;
                    }
                    if (Cur.IsKeyword("DISTINCT"))
                    {
                        Next();
                        if (!Cur.IsKeyword("FROM")) throw ErrorAt(Cur);
                        Next();
                        Expr cmp = new BinaryExpr(BinaryOp.EqualNullSafe, left, ParseConcat());
                        left = negate ? cmp : new UnaryExpr(UnaryOp.Not, cmp);
                        continue;
                    }
                    throw ErrorAt(Cur);
                }
                var not = false;
                if (t.IsKeyword("NOT") && (PeekAt(1).IsKeyword("IN") || PeekAt(1).IsKeyword("BETWEEN") || PeekAt(1).IsKeyword("LIKE") || PeekAt(1).IsKeyword("RLIKE") || PeekAt(1).IsKeyword("ILIKE")))
                {
                    Next();
                    not = true;
                }
                Expr? pred = null;
                if (Cur.IsKeyword("IN"))
                {
                    Next();
                    Expect("(");
                    var items = new List<Expr> { ParseExpression() };
                    while (Cur.IsSymbol(",")) { Next(); items.Add(ParseExpression()); }
                    Expect(")");
                    pred = items.Select(v => (Expr)new BinaryExpr(BinaryOp.Equal, left, v)).Aggregate((a, b) => new BinaryExpr(BinaryOp.Or, a, b));
                }
                else if (Cur.IsKeyword("BETWEEN"))
                {
                    Next();
                    var lo = ParseConcat();
                    if (!Cur.IsKeyword("AND")) throw ErrorAt(Cur);
                    Next();
                    var hi = ParseConcat();
                    pred = new BinaryExpr(BinaryOp.And, new BinaryExpr(BinaryOp.GreaterThanOrEqual, left, lo), new BinaryExpr(BinaryOp.LessThanOrEqual, left, hi));
                }
                else if (Cur.IsKeyword("LIKE") || Cur.IsKeyword("RLIKE") || Cur.IsKeyword("ILIKE"))
                {
                    var name = Next().Text.ToLowerInvariant();
                    pred = new FunctionCall(name, [left, ParseConcat()]);
                }
                if (pred is null)
                {
                    if (not) throw ErrorAt(Cur);
                    return left;
                }
                left = not ? new UnaryExpr(UnaryOp.Not, pred) : pred;
            }
        }

        private Expr ParseConcat()
        {
            var left = ParseAdditive();
            while (Cur.IsSymbol("||"))
            {
                Next();
                var right = ParseAdditive();
                left = left is FunctionCall { Name: "concat" } fc && !fc.IsDistinct
                    ? new FunctionCall("concat", [.. fc.Args, right])
                    : new FunctionCall("concat", [left, right]);
            }
            return left;
        }

        private Expr ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (Cur.IsSymbol("+") || Cur.IsSymbol("-"))
            {
                var op = Next().Text == "+" ? BinaryOp.Add : BinaryOp.Subtract;
                left = new BinaryExpr(op, left, ParseMultiplicative());
            }
            return left;
        }

        private Expr ParseMultiplicative()
        {
            var left = ParseUnary();
            while (true)
            {
                if (Cur.IsSymbol("*") || Cur.IsSymbol("/") || Cur.IsSymbol("%"))
                {
                    var op = Next().Text switch { "*" => BinaryOp.Multiply, "/" => BinaryOp.Divide, _ => BinaryOp.Modulo };
                    left = new BinaryExpr(op, left, ParseUnary());
                }
                else if (Cur.IsKeyword("DIV"))
                {
                    Next();
                    left = new CastExpr(new BinaryExpr(BinaryOp.Divide, left, ParseUnary()), "bigint");
                }
                else return left;
            }
        }

        private Expr ParseUnary()
        {
            if (Cur.IsSymbol("-"))
            {
                Next();
                var operand = ParseUnary();
                return operand switch
                {
                    Literal { Value: int v } when v != int.MinValue => new Literal(-v, "int"),
                    Literal { Value: long v } => new Literal(-v, "bigint"),
                    Literal { Value: double v } l => new Literal(-v, l.TypeName),
                    Literal { Value: float v } l => new Literal(-v, l.TypeName),
                    Literal { Value: decimal v } l => new Literal(-v, l.TypeName),
                    _ => new UnaryExpr(UnaryOp.Negate, operand),
                };
            }
            if (Cur.IsSymbol("+"))
            {
                Next();
                return ParseUnary();
            }
            return ParsePostfix();
        }

        private Expr ParsePostfix()
        {
            var e = ParsePrimary();
            while (true)
            {
                if (Cur.IsSymbol(".") && PeekAt(1).Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)
                {
                    Next();
                    e = new GetField(e, Next().Text);
                }
                else if (Cur.IsSymbol("::"))
                {
                    Next();
                    e = new CastExpr(e, ParseTypeName());
                }
                else if (Cur.IsSymbol("["))
                {
                    Next();
                    var index = ParseExpression();
                    Expect("]");
                    e = new FunctionCall("element_at_index", [e, index]);
                }
                else return e;
            }
        }

        private Expr ParsePrimary()
        {
            var t = Cur;
            switch (t.Kind)
            {
                case SqlTokenKind.Number:
                    Next();
                    return ParseNumber(t);
                case SqlTokenKind.String:
                {
                    Next();
                    var s = t.Text;
                    while (Cur.Kind == SqlTokenKind.String) s += Next().Text;
                    return new Literal(s, "string");
                }
                case SqlTokenKind.Symbol when t.Text == "(":
                {
                    Next();
                    var e = ParseExpression();
                    Expect(")");
                    return e;
                }
                case SqlTokenKind.Symbol when t.Text == "*":
                    Next();
                    return new Star();
                case SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier:
                    return ParseIdentifierExpression();
                default:
                    throw ErrorAt(t);
            }
        }

        private Expr ParseIdentifierExpression()
        {
            var t = Cur;
            if (t.Kind == SqlTokenKind.Identifier)
            {
                var upper = t.Text.ToUpperInvariant();
                var next = PeekAt(1);
                switch (upper)
                {
                    case "TRUE": Next(); return new Literal(true, "boolean");
                    case "FALSE": Next(); return new Literal(false, "boolean");
                    case "NULL": Next(); return new Literal(null, "void");
                    case "CASE": return ParseCase();
                    case "CAST" or "TRY_CAST" when next.IsSymbol("("):
                    {
                        Next();
                        Next();
                        var child = ParseExpression();
                        if (!Cur.IsKeyword("AS")) throw ErrorAt(Cur);
                        Next();
                        var type = ParseTypeName();
                        Expect(")");
                        return new CastExpr(child, type);
                    }
                    case "DATE" when next.Kind == SqlTokenKind.String:
                    {
                        Next();
                        var s = Next();
                        if (!DateOnly.TryParseExact(s.Text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                            throw ErrorAt(s, "invalid DATE literal");
                        return new Literal(d, "date");
                    }
                    case "TIMESTAMP" or "TIMESTAMP_LTZ" or "TIMESTAMP_NTZ" when next.Kind == SqlTokenKind.String:
                    {
                        Next();
                        var s = Next();
                        if (!DateTimeText.TryParseTimestamp(Encoding.UTF8.GetBytes(s.Text), out var micros))
                            throw ErrorAt(s, "invalid TIMESTAMP literal");
                        return new Literal(DateTime.UnixEpoch.AddTicks(micros * 10), "timestamp");
                    }
                    case "INTERVAL" when next.Kind is SqlTokenKind.Number or SqlTokenKind.String || (next.IsSymbol("-") && PeekAt(2).Kind == SqlTokenKind.Number):
                        return ParseInterval();
                    case "CURRENT_TIMESTAMP" or "CURRENT_DATE" or "NOW" when !next.IsSymbol("("):
                        Next();
                        return new FunctionCall(t.Text.ToLowerInvariant(), []);
                }
                if (next.IsSymbol("(") && !Reserved.Contains(t.Text)) return ParseFunctionCall();
                // Spark's default parser (spark.sql.ansi.enforceReservedKeywords=false) treats its keywords as non-reserved: where
                // a keyword cannot begin an expression (END, FROM, ...), it names a column, as in window.end renamed to end.
                // Only the words that begin expressions (NOT, CASE, CAST, INTERVAL and the literals) keep their meaning there.
                if (upper is "INTERVAL" or "NOT") throw ErrorAt(t);
            }
            // identifier path: a.b.c, `a.b`.c, q.*
            var parts = new List<(string Name, bool Quoted)>();
            var first = Next();
            parts.Add((first.Text, first.Kind == SqlTokenKind.QuotedIdentifier));
            while (Cur.IsSymbol("."))
            {
                var after = PeekAt(1);
                if (after.IsSymbol("*"))
                {
                    Next();
                    Next();
                    return new Star(JoinPath(parts));
                }
                if (after.Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)
                {
                    Next();
                    var p = Next();
                    parts.Add((p.Text, p.Kind == SqlTokenKind.QuotedIdentifier));
                    continue;
                }
                throw ErrorAt(after);
            }
            return new ColumnRef(JoinPath(parts));
        }

        private static string JoinPath(List<(string Name, bool Quoted)> parts)
        {
            var sb = new StringBuilder();
            foreach (var (name, quoted) in parts)
            {
                if (sb.Length > 0) sb.Append('.');
                if (name.Contains('.', StringComparison.Ordinal) || name.Contains('`', StringComparison.Ordinal) || (quoted && name.Length == 0))
                    sb.Append('`').Append(name.Replace("`", "``", StringComparison.Ordinal)).Append('`');
                else sb.Append(name);
            }
            return sb.ToString();
        }

        private Expr ParseFunctionCall()
        {
            var name = Next().Text.ToLowerInvariant();
            Expect("(");
            var distinct = false;
            if (Cur.IsKeyword("DISTINCT")) { Next(); distinct = true; }
            else if (Cur.IsKeyword("ALL")) Next();
            var args = new List<Expr>();
            if (!Cur.IsSymbol(")"))
            {
                if (Cur.IsSymbol("*") && PeekAt(1).IsSymbol(")"))
                {
                    Next();
                    args.Add(new Star());
                }
                else
                {
                    args.Add(ParseExpression());
                    while (Cur.IsSymbol(",")) { Next(); args.Add(ParseExpression()); }
                }
            }
            Expect(")");
            return new FunctionCall(name, args) { IsDistinct = distinct };
        }

        private Expr ParseCase()
        {
            Next(); // CASE
            Expr? subject = null;
            if (!Cur.IsKeyword("WHEN")) subject = ParseExpression();
            var branches = new List<CaseBranch>();
            while (Cur.IsKeyword("WHEN"))
            {
                Next();
                var cond = ParseExpression();
                if (!Cur.IsKeyword("THEN")) throw ErrorAt(Cur);
                Next();
                var value = ParseExpression();
                branches.Add(new CaseBranch(subject is null ? cond : new BinaryExpr(BinaryOp.Equal, subject, cond), value));
            }
            if (branches.Count == 0) throw ErrorAt(Cur);
            Expr? otherwise = null;
            if (Cur.IsKeyword("ELSE")) { Next(); otherwise = ParseExpression(); }
            if (!Cur.IsKeyword("END")) throw ErrorAt(Cur);
            Next();
            return new CaseWhen(branches, otherwise);
        }

        /// <summary>Reads a DDL type from the token stream (a name, then balanced &lt;&gt; or ()), validates it and returns its simple name.</summary>
        private string ParseTypeName()
        {
            var start = Cur;
            if (start.Kind != SqlTokenKind.Identifier) throw ErrorAt(start);
            var end = Next().EndPosition;
            if (Cur.IsSymbol("(") || Cur.IsSymbol("<"))
            {
                var depth = 0;
                do
                {
                    var t = Cur;
                    if (t.Kind == SqlTokenKind.End) throw ErrorAt(t);
                    if (t.IsSymbol("(") || t.IsSymbol("<")) depth++;
                    else if (t.IsSymbol(")") || t.IsSymbol(">")) depth--;
                    end = t.EndPosition;
                    Next();
                }
                while (depth > 0);
            }
            var typeText = _text[start.Position..end];
            try
            {
                return DataTypes.ToDdl(DataTypes.ParseType(typeText));
            }
            catch (FormatException ex)
            {
                throw new SqlParseException(
                    $"[UNSUPPORTED_DATATYPE] Unsupported data type '{typeText}' (position {start.Position}) in '{_text}'", ex) { Position = start.Position };
            }
        }

        private Literal ParseNumber(SqlToken t)
        {
            var s = t.Text;
            var upper = s.ToUpperInvariant();
            try
            {
                if (upper.EndsWith("BD", StringComparison.Ordinal))
                {
                    var d = decimal.Parse(s[..^2], NumberStyles.Float, CultureInfo.InvariantCulture);
                    return new Literal(d, DataTypes.ToDdl(DataTypes.DecimalTypeOf(d)));
                }
                switch (upper[^1])
                {
                    case 'L': return new Literal(long.Parse(s[..^1], CultureInfo.InvariantCulture), "bigint");
                    case 'S': return new Literal((int)short.Parse(s[..^1], CultureInfo.InvariantCulture), "smallint");
                    case 'Y': return new Literal((int)sbyte.Parse(s[..^1], CultureInfo.InvariantCulture), "tinyint");
                    case 'D': return new Literal(double.Parse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture), "double");
                    case 'F': return new Literal(float.Parse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture), "float");
                }
                if (upper.Contains('E', StringComparison.Ordinal))
                    return new Literal(double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture), "double");
                if (s.Contains('.', StringComparison.Ordinal))
                {
                    var d = decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
                    var type = DataTypes.DecimalTypeOf(d);
                    return new Literal(d, DataTypes.ToDdl(type));
                }
                if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var i)) return new Literal(i, "int");
                if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var l)) return new Literal(l, "bigint");
                var big = decimal.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
                return new Literal(big, DataTypes.ToDdl(DataTypes.DecimalTypeOf(big)));
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                throw new SqlParseException($"[INVALID_NUMERIC_LITERAL] Invalid numeric literal '{s}' (position {t.Position}) in '{_text}'", ex) { Position = t.Position };
            }
        }

        private void Expect(string symbol)
        {
            if (!Cur.IsSymbol(symbol)) throw ErrorAt(Cur);
            Next();
        }

        // INTERVAL 5 SECONDS, INTERVAL 1 HOUR 30 MINUTES, INTERVAL '1' HOUR, INTERVAL '10 seconds': a day-time interval
        // literal (Spark's DayTimeIntervalType), held as microseconds.
        private Literal ParseInterval()
        {
            Next();
            long micros = 0;
            if (Cur.Kind == SqlTokenKind.String)
            {
                var text = Next();
                if (Cur.Kind == SqlTokenKind.Identifier && UnitMicros(Cur.Text) is { } unit)
                {
                    Next();
                    micros = Scaled(text, text.Text.Trim(), unit);
                }
                else
                {
                    var words = text.Text.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length == 0 || words.Length % 2 != 0) throw ErrorAt(text, "expected an interval such as '10 seconds'");
                    for (var w = 0; w < words.Length; w += 2)
                        micros += Scaled(text, words[w], UnitMicros(words[w + 1]) ?? throw ErrorAt(text, $"unknown interval unit '{words[w + 1]}'"));
                }
                return new Literal(micros, IntervalType);
            }
            var any = false;
            while (Cur.Kind == SqlTokenKind.Number || (Cur.IsSymbol("-") && PeekAt(1).Kind == SqlTokenKind.Number))
            {
                var negative = Cur.IsSymbol("-");
                if (negative) Next();
                var number = Next();
                var unitToken = Cur;
                var unit = unitToken.Kind == SqlTokenKind.Identifier ? UnitMicros(unitToken.Text) : null;
                if (unit is null) throw ErrorAt(unitToken, "expected an interval unit (microsecond, millisecond, second, minute, hour, day, week)");
                Next();
                var value = Scaled(number, number.Text, unit.Value);
                micros += negative ? -value : value;
                any = true;
            }
            if (!any) throw ErrorAt(Cur, "expected an interval such as INTERVAL 5 SECONDS");
            return new Literal(micros, IntervalType);
        }

        private const string IntervalType = "interval day to second";

        private long Scaled(SqlToken at, string number, long unit) =>
            decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                ? (long)decimal.Round(n * unit) : throw ErrorAt(at, $"invalid interval value '{number}'");

        // Day-time units only: months and years have no fixed length in microseconds.
        private long? UnitMicros(string unit) => unit.ToLowerInvariant() switch
        {
            "microsecond" or "microseconds" => 1L,
            "millisecond" or "milliseconds" => 1_000L,
            "second" or "seconds" => 1_000_000L,
            "minute" or "minutes" => 60_000_000L,
            "hour" or "hours" => 3_600_000_000L,
            "day" or "days" => 86_400_000_000L,
            "week" or "weeks" => 604_800_000_000L,
            "month" or "months" or "year" or "years" => throw ErrorAt(Cur, "year-month intervals are not supported in expressions: use day-time units"),
            _ => null,
        };

        private SqlParseException ErrorAt(SqlToken t, string? detail = null) =>
            SqlLexer.Error(_text, t.Position, t.Kind == SqlTokenKind.End ? "" : _text[t.Position..t.EndPosition], detail);
    }
}
