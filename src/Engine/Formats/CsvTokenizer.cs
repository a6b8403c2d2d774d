namespace OrleansStream.Engine.Formats;

/// <summary>Splits one CSV line into fields (quotes, doubled quotes and escaped quotes inside quotes).</summary>
internal sealed class CsvTokenizer(char separator, char quote, char escape)
{
    public readonly record struct Token(int Start, int Length, bool Quoted);

    private char[] _scratch = new char[256];

    public List<Token> Tokens { get; } = new();

    /// <summary>The unescaped text of a token.</summary>
    public ReadOnlySpan<char> Text(Token t) => _scratch.AsSpan(t.Start, t.Length);

    /// <summary>Tokenizes <paramref name="line"/>; false when a quoted field is not closed.</summary>
    public bool Tokenize(ReadOnlySpan<char> line)
    {
        Tokens.Clear();
        if (_scratch.Length < line.Length) _scratch = new char[Math.Max(line.Length, _scratch.Length * 2)];
        var scratch = _scratch;
        int w = 0, i = 0;
        while (true)
        {
            int start = w;
            bool quoted = false;
            if (quote != '\0' && i < line.Length && line[i] == quote)
            {
                quoted = true;
                i++;
                bool closed = false;
                while (i < line.Length)
                {
                    char c = line[i];
                    if (c == escape && escape != quote && i + 1 < line.Length && line[i + 1] == quote)
                    {
                        scratch[w++] = quote;
                        i += 2;
                        continue;
                    }
                    if (c == quote)
                    {
                        if (i + 1 < line.Length && line[i + 1] == quote)
                        {
                            scratch[w++] = quote;
                            i += 2;
                            continue;
                        }
                        i++;
                        closed = true;
                        break;
                    }
                    scratch[w++] = c;
                    i++;
                }
                if (!closed) return false;
                while (i < line.Length && line[i] != separator) scratch[w++] = line[i++];
            }
            else
            {
                while (i < line.Length && line[i] != separator) scratch[w++] = line[i++];
            }
            Tokens.Add(new Token(start, w - start, quoted));
            if (i >= line.Length) break;
            i++;
        }
        return true;
    }
}
