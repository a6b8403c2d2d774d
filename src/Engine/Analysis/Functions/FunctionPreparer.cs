using OrleansStream.Engine.Expressions;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>Reads what a kernel needs from a call's literal arguments (a pattern, a limit) once, at binding; throws
/// <see cref="AnalysisException"/> when such an argument is not a literal.</summary>
internal delegate object? FunctionPreparer(FunctionCall call);
