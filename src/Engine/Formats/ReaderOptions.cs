namespace OrleansStream.Engine.Formats;

/// <summary>
/// Reader options with Spark's names (case-insensitive): mode, columnNameOfCorruptRecord, header,
/// sep/delimiter, quote, escape, inferSchema, nullValue, path, maxFilesPerTrigger, latestFirst, and the JSON syntax
/// options with Spark's defaults (allowSingleQuotes and allowNonNumericNumbers on, the others off).
/// </summary>
public sealed class ReaderOptions
{
    /// <summary>Options with every default.</summary>
    public static ReaderOptions Default { get; } = new(null);

    /// <summary>Parses <paramref name="options"/> (keys are matched case-insensitively).</summary>
    /// <exception cref="ArgumentException">An option has a value that is not allowed; the message names the option and the value.</exception>
    public ReaderOptions(IReadOnlyDictionary<string, string>? options)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (options is not null) foreach (var kv in options) map[kv.Key] = kv.Value;
        Raw = map;

        Mode = Get("mode") is { } mode
            ? mode.ToUpperInvariant() switch
            {
                "PERMISSIVE" => ParseMode.Permissive,
                "DROPMALFORMED" => ParseMode.DropMalformed,
                "FAILFAST" => ParseMode.FailFast,
                _ => throw new ArgumentException($"Invalid value '{mode}' for option 'mode': expected PERMISSIVE, DROPMALFORMED or FAILFAST.", nameof(options)),
            }
            : ParseMode.Permissive;
        ColumnNameOfCorruptRecord = Get("columnNameOfCorruptRecord") ?? "_corrupt_record";
        Header = GetBool("header", false);
        InferSchema = GetBool("inferSchema", false);
        Delimiter = GetChar(Get("sep") is not null ? "sep" : "delimiter", ',');
        Quote = GetChar("quote", '"');
        Escape = GetChar("escape", '\\');
        NullValue = Get("nullValue") ?? "";
        AllowComments = GetBool("allowComments", false);
        AllowUnquotedFieldNames = GetBool("allowUnquotedFieldNames", false);
        AllowSingleQuotes = GetBool("allowSingleQuotes", true);
        AllowNumericLeadingZeros = GetBool("allowNumericLeadingZeros", false);
        AllowNonNumericNumbers = GetBool("allowNonNumericNumbers", true);
        AllowBackslashEscapingAnyCharacter = GetBool("allowBackslashEscapingAnyCharacter", false);
        AllowUnquotedControlChars = GetBool("allowUnquotedControlChars", false);
    }

    /// <summary>All options as given, case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Raw { get; }

    /// <summary>Option <c>mode</c> (default PERMISSIVE).</summary>
    public ParseMode Mode { get; }

    /// <summary>Option <c>columnNameOfCorruptRecord</c> (default <c>_corrupt_record</c>).</summary>
    public string ColumnNameOfCorruptRecord { get; }

    /// <summary>Option <c>header</c> (CSV; default false).</summary>
    public bool Header { get; }

    /// <summary>Option <c>inferSchema</c> (CSV; default false: every column is a string).</summary>
    public bool InferSchema { get; }

    /// <summary>Option <c>sep</c> or <c>delimiter</c> (CSV; default ',').</summary>
    public char Delimiter { get; }

    /// <summary>Option <c>quote</c> (CSV; default '"').</summary>
    public char Quote { get; }

    /// <summary>Option <c>escape</c> (CSV; default '\'): inside quotes, escape + quote is a literal quote (as is a doubled quote).</summary>
    public char Escape { get; }

    /// <summary>Option <c>nullValue</c> (CSV; default empty string: an empty unquoted field is null).</summary>
    public string NullValue { get; }

    /// <summary>Option <c>allowComments</c> (JSON; default false): Java and C++ comments (<c>/* */</c>, <c>//</c>) between tokens.</summary>
    public bool AllowComments { get; }

    /// <summary>Option <c>allowUnquotedFieldNames</c> (JSON; default false): field names without quotes, such as <c>{name: 1}</c>.</summary>
    public bool AllowUnquotedFieldNames { get; }

    /// <summary>Option <c>allowSingleQuotes</c> (JSON; default true): strings and names in single quotes, and <c>\'</c> in any string.</summary>
    public bool AllowSingleQuotes { get; }

    /// <summary>Option <c>allowNumericLeadingZeros</c> (JSON; default false): numbers such as <c>0018</c>.</summary>
    public bool AllowNumericLeadingZeros { get; }

    /// <summary>
    /// Option <c>allowNonNumericNumbers</c> (JSON; default true): the bare numbers <c>NaN</c>, <c>Infinity</c>, <c>+Infinity</c>,
    /// <c>-Infinity</c>, <c>+INF</c>, <c>-INF</c>, and those strings as float and double values.
    /// </summary>
    public bool AllowNonNumericNumbers { get; }

    /// <summary>Option <c>allowBackslashEscapingAnyCharacter</c> (JSON; default false): a backslash before any character, such as <c>\$</c>.</summary>
    public bool AllowBackslashEscapingAnyCharacter { get; }

    /// <summary>Option <c>allowUnquotedControlChars</c> (JSON; default false): control characters (below U+0020) inside strings.</summary>
    public bool AllowUnquotedControlChars { get; }

    /// <summary>The raw value of an option, or null.</summary>
    public string? Get(string name) => Raw.TryGetValue(name, out var v) ? v : null;

    /// <summary>A boolean option.</summary>
    /// <exception cref="ArgumentException">The value is not true or false.</exception>
    public bool GetBool(string name, bool defaultValue) => Get(name) switch
    {
        null => defaultValue,
        var v when bool.TryParse(v.Trim(), out var b) => b,
        var v => throw new ArgumentException($"Invalid value '{v}' for option '{name}': expected true or false."),
    };

    /// <summary>A positive integer option, or null when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a positive integer.</exception>
    public int? GetPositiveInt(string name) => Get(name) switch
    {
        null => null,
        var v when int.TryParse(v.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i) && i > 0 => i,
        var v => throw new ArgumentException($"Invalid value '{v}' for option '{name}': expected a positive integer."),
    };

    /// <summary>A positive 64-bit integer option, or null when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a positive integer.</exception>
    public long? GetPositiveLong(string name) => GetLong(name) switch
    {
        null => null,
        > 0 and var v => v,
        var v => throw new ArgumentException($"Invalid value '{v}' for option '{name}': expected a positive integer."),
    };

    /// <summary>A 64-bit integer option, or null when absent.</summary>
    /// <exception cref="ArgumentException">The value is not an integer.</exception>
    public long? GetLong(string name) => Get(name) switch
    {
        null => null,
        var v when long.TryParse(v.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var l) => l,
        var v => throw new ArgumentException($"Invalid value '{v}' for option '{name}': expected an integer."),
    };

    private char GetChar(string name, char defaultValue)
    {
        var v = Get(name);
        if (v is null) return defaultValue;
        if (v.Length == 1) return v[0];
        return v switch
        {
            "\\t" => '\t',
            "\\u0000" or "" => '\0',
            _ => throw new ArgumentException($"Invalid value '{v}' for option '{name}': expected a single character."),
        };
    }
}
