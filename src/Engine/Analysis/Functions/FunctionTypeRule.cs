using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>The result type and nullability of <paramref name="call"/> given its arguments' (arity already checked);
/// throws <see cref="AnalysisException"/> for arguments of the wrong type.</summary>
internal delegate (IArrowType Type, bool Nullable) FunctionTypeRule(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args);
