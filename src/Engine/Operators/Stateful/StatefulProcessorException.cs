namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>A stateful processor's handler threw (Spark's TRANSFORM_WITH_STATE_USER_FUNCTION_ERROR): the message names the
/// handler, the processor type and the key; <see cref="Exception.InnerException"/> is what the user code threw.</summary>
public sealed class StatefulProcessorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StatefulProcessorException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public StatefulProcessorException() { }

    /// <summary>Creates the exception.</summary>
    public StatefulProcessorException(string message) : base(message) { }
}
