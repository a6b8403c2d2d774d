using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis.Functions;

namespace OrleansStream.Engine.Expressions;

/// <summary>What the analysis of logical plans asks about functions by name (is it an aggregate, a generator, what does it
/// return), answered from the one <see cref="FunctionRegistry"/>.</summary>
internal static class FunctionTypes
{
    /// <summary>The type of a time window: a struct of start and end.</summary>
    public static StructType WindowType => FunctionRules.WindowType;

    /// <summary>Whether <paramref name="name"/> is an aggregate function (evaluated by the aggregation operators).</summary>
    public static bool IsAggregate(string name) => FunctionRegistry.Builtin.Is(name, FunctionKind.Aggregate);

    /// <summary>Whether <paramref name="name"/> is a generator (only allowed as a select-list item).</summary>
    public static bool IsGenerator(string name) => FunctionRegistry.Builtin.Is(name, FunctionKind.Generator);

    /// <summary>The result of <paramref name="call"/> given its argument types and nullability.</summary>
    public static (IArrowType Type, bool Nullable) Result(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args) =>
        FunctionRegistry.Builtin.ResultOf(call, args);
}
