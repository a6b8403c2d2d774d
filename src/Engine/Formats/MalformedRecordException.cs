namespace OrleansStream.Engine.Formats;

/// <summary>A record could not be parsed in FAILFAST mode (or inference met a malformed record in FAILFAST mode).</summary>
public sealed class MalformedRecordException : Exception
{
    /// <summary>Creates the exception for a record of <paramref name="path"/> at 1-based <paramref name="lineNumber"/>.</summary>
    public MalformedRecordException(string path, long lineNumber, string reason)
        : base($"Malformed record in file {path} at line {lineNumber}: {reason} (mode FAILFAST)")
    {
        Path = path;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>The file (or source name) that holds the record.</summary>
    public string Path { get; }

    /// <summary>The 1-based line number of the record.</summary>
    public long LineNumber { get; }

    /// <summary>Why the record is malformed.</summary>
    public string Reason { get; }
}
