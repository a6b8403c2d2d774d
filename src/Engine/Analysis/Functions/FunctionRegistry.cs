using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>
/// The functions the engine knows, by name (case-insensitive, aliases included): the one place the binder, the typer and
/// the aggregation planner look a function up. <see cref="Builtin"/> holds Spark's built-ins that the engine implements.
/// </summary>
internal sealed class FunctionRegistry
{
    private readonly Dictionary<string, FunctionDefinition> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The built-in functions (immutable once built).</summary>
    public static FunctionRegistry Builtin { get; } = BuiltinFunctions.Create();

    /// <summary>Registers <paramref name="definition"/> under each of its names.</summary>
    /// <exception cref="ArgumentException">A name is taken already.</exception>
    public void Add(FunctionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        foreach (var name in definition.Names)
            if (!_byName.TryAdd(name, definition)) throw new ArgumentException($"A function named '{name}' is registered already.", nameof(definition));
    }

    /// <summary>The function called <paramref name="name"/>, or null.</summary>
    public FunctionDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The function <paramref name="call"/> names, or Spark's UNRESOLVED_ROUTINE error.</summary>
    public FunctionDefinition Resolve(FunctionCall call) => Find(call.Name) ?? throw Unresolved(call);

    /// <summary>Whether <paramref name="name"/> is a function of <paramref name="kind"/>.</summary>
    public bool Is(string name, FunctionKind kind) => Find(name) is { } f && f.Kind == kind;

    /// <summary>The result type and nullability of <paramref name="call"/> given its arguments'.</summary>
    /// <exception cref="AnalysisException">Unknown function, wrong number of arguments or an argument of the wrong type.</exception>
    public (IArrowType Type, bool Nullable) ResultOf(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args) =>
        Resolve(call).ResultOf(call, args);

    /// <summary>Spark's error for a call of a function nobody registered.</summary>
    public static AnalysisException Unresolved(FunctionCall call) =>
        new($"[UNRESOLVED_ROUTINE] Cannot resolve routine `{call.Name}` on search path [`system`.`builtin`, `system`.`session`].");
}
