using Apache.Arrow;
using OrleansStream.Engine.Analysis.Bound;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>
/// Computes a scalar function over one batch: <paramref name="args"/> are its evaluated arguments (the first
/// <see cref="FunctionDefinition.EvaluatedArguments"/> of them), each as long as the batch; <paramref name="call"/> carries
/// the bound result type and what was prepared from literal arguments; <paramref name="scope"/> the batch and epoch.
/// </summary>
internal delegate IArrowArray FunctionKernel(IArrowArray[] args, BoundFunctionCall call, EvaluationScope scope);
