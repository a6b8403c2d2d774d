namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>Spark's refusals of state values (error class ILLEGAL_STATE_STORE_VALUE), in its words.</summary>
internal static class StateValueErrors
{
    public static ArgumentException NullValue(string stateName) =>
        new($"[ILLEGAL_STATE_STORE_VALUE.NULL_VALUE] Illegal value provided to the State Store. Cannot write null values to State Store: {stateName}.");

    public static ArgumentException EmptyList(string stateName) =>
        new($"[ILLEGAL_STATE_STORE_VALUE.EMPTY_LIST_VALUE] Illegal value provided to the State Store. Cannot write empty list values to State Store for StateName {stateName}.");
}
