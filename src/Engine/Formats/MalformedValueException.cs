namespace OrleansStream.Engine.Formats;

/// <summary>Internal signal that one record is malformed; readers turn it into the mode's behaviour.</summary>
internal sealed class MalformedValueException(string reason) : Exception(reason);
