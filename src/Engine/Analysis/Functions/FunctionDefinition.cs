using System.Globalization;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>
/// One entry of the <see cref="FunctionRegistry"/>: a function's names, how many arguments it takes, its type rule and,
/// for a scalar function, its kernel. Adding a function is one of these plus its kernel.
/// </summary>
/// <param name="Names">The name and its aliases, matched case-insensitively.</param>
/// <param name="Kind">Where the function may be called.</param>
/// <param name="MinArgs">The fewest arguments; -1 leaves the count to <paramref name="TypeRule"/>.</param>
/// <param name="MaxArgs">The most arguments; -1 for any number.</param>
/// <param name="TypeRule">The result type given the arguments' types.</param>
/// <param name="Kernel">The vectorised implementation of a scalar function; null for the other kinds.</param>
internal sealed record FunctionDefinition(IReadOnlyList<string> Names, FunctionKind Kind, int MinArgs, int MaxArgs, FunctionTypeRule TypeRule,
    FunctionKernel? Kernel = null)
{
    /// <summary>Reads literal arguments at binding (null when the kernel needs none).</summary>
    public FunctionPreparer? Prepare { get; init; }

    /// <summary>How many leading arguments are evaluated per batch; the rest are literals read by <see cref="Prepare"/>.
    /// -1 for all of them.</summary>
    public int EvaluatedArguments { get; init; } = -1;

    /// <summary>The canonical name.</summary>
    public string Name => Names[0];

    /// <summary>Throws Spark's WRONG_NUM_ARGS error when <paramref name="call"/> has too few or too many arguments.</summary>
    public void CheckArity(FunctionCall call)
    {
        var n = call.Args.Count;
        if (MinArgs < 0 || (n >= MinArgs && (MaxArgs < 0 || n <= MaxArgs))) return;
        var expected = MinArgs == MaxArgs ? MinArgs.ToString(CultureInfo.InvariantCulture) : $"[{MinArgs}, {MaxArgs}]";
        throw new AnalysisException(
            $"[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{call.Name.ToLowerInvariant()}` requires {expected} parameters but the actual number is {n}.");
    }

    /// <summary>The result of <paramref name="call"/> given its arguments' types: arity first, then the type rule.</summary>
    public (IArrowType Type, bool Nullable) ResultOf(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args)
    {
        CheckArity(call);
        return TypeRule(call, args);
    }
}
