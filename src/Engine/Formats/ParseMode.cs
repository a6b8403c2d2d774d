namespace OrleansStream.Engine.Formats;

/// <summary>How a reader treats a malformed record (Spark's <c>mode</c> option).</summary>
public enum ParseMode
{
    /// <summary>Keep the row with all fields null and the raw record in the corrupt-record column, if the schema has one.</summary>
    Permissive,

    /// <summary>Skip malformed records.</summary>
    DropMalformed,

    /// <summary>Throw a <see cref="MalformedRecordException"/> at the first malformed record.</summary>
    FailFast,
}
