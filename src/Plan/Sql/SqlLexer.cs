using System.Globalization;
using System.Text;

namespace OrleansStream.Plan.Sql;

/// <summary>Splits a Spark SQL expression into tokens.</summary>
internal static class SqlLexer
{
    private static readonly string[] TwoCharSymbols = ["<=>", "==", "!=", "<>", "<=", ">=", "||", "::"];

    public static List<SqlToken> Tokenize(string text)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            var c = text[i];
            var start = i;
            if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '$')) i++;
                tokens.Add(new SqlToken(SqlTokenKind.Identifier, text[start..i], start, i));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                if (i < text.Length && text[i] == '.' && !(i + 1 < text.Length && (char.IsLetter(text[i + 1]) && text[i + 1] is not ('e' or 'E'))))
                {
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                }
                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    var j = i + 1;
                    if (j < text.Length && text[j] is '+' or '-') j++;
                    if (j < text.Length && char.IsAsciiDigit(text[j]))
                    {
                        i = j;
                        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                    }
                }
                // type suffixes: L, S, Y, D, F, BD
                if (i + 1 < text.Length && text[i] is 'B' or 'b' && text[i + 1] is 'D' or 'd') i += 2;
                else if (i < text.Length && text[i] is 'L' or 'l' or 'S' or 's' or 'Y' or 'y' or 'D' or 'd' or 'F' or 'f') i++;
                if (i < text.Length && (char.IsLetter(text[i]) || text[i] == '_'))
                {
                    // an identifier starting with digits, e.g. 1a
                    while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                    tokens.Add(new SqlToken(SqlTokenKind.Identifier, text[start..i], start, i));
                }
                else tokens.Add(new SqlToken(SqlTokenKind.Number, text[start..i], start, i));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new SqlToken(SqlTokenKind.String, ReadString(text, ref i, c), start, i));
            }
            else if (c == '`')
            {
                i++;
                var sb = new StringBuilder();
                while (true)
                {
                    if (i >= text.Length) throw Error(text, start, "`", "unterminated quoted identifier");
                    if (text[i] == '`')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '`') { sb.Append('`'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(text[i++]);
                }
                tokens.Add(new SqlToken(SqlTokenKind.QuotedIdentifier, sb.ToString(), start, i));
            }
            else
            {
                string? sym = null;
                foreach (var s in TwoCharSymbols)
                    if (string.CompareOrdinal(text, i, s, 0, s.Length) == 0) { sym = s; break; }
                if (sym is null)
                {
                    if ("()+-*/%<>=,.:[]!~&|^".Contains(c, StringComparison.Ordinal)) sym = c.ToString();
                    else throw Error(text, i, c.ToString(), null);
                }
                i += sym.Length;
                tokens.Add(new SqlToken(SqlTokenKind.Symbol, sym, start, i));
            }
        }
        tokens.Add(new SqlToken(SqlTokenKind.End, "", text.Length, text.Length));
        return tokens;
    }

    private static string ReadString(string text, ref int i, char quote)
    {
        var start = i;
        i++;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= text.Length) throw Error(text, start, text[start..], "unterminated string literal");
            var c = text[i++];
            if (c == quote)
            {
                if (i < text.Length && text[i] == quote) { sb.Append(quote); i++; continue; }
                return sb.ToString();
            }
            if (c == '\\' && i < text.Length)
            {
                var e = text[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case '0': sb.Append('\0'); break;
                    case 'Z': sb.Append('\u001A'); break;
                    case '%': sb.Append("\\%"); break;
                    case '_': sb.Append("\\_"); break;
                    case 'u' when i + 4 <= text.Length && int.TryParse(text.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                        sb.Append((char)code);
                        i += 4;
                        break;
                    default: sb.Append(e); break;
                }
                continue;
            }
            sb.Append(c);
        }
    }

    internal static SqlParseException Error(string text, int position, string near, string? detail)
    {
        var nearText = near.Length == 0 ? "end of input" : "'" + near + "'";
        var msg = $"[PARSE_SYNTAX_ERROR] Syntax error at or near {nearText} (position {position}) in '{text}'";
        if (detail is not null) msg += ": " + detail;
        return new SqlParseException(msg) { Position = position };
    }
}
