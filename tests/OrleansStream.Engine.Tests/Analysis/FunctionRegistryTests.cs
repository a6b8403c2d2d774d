using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Functions;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Analysis;

public class FunctionRegistryTests
{
    [Fact]
    public void Find_NameOrAlias_IsCaseInsensitive()
    {
        var registry = FunctionRegistry.Builtin;
        Assert.Same(registry.Find("lower"), registry.Find("LCASE"));
        Assert.Same(registry.Find("coalesce"), registry.Find("nvl"));
        Assert.Null(registry.Find("frobnicate"));
    }

    [Fact]
    public void Builtin_KindsSeparateScalarsFromAggregatesGeneratorsAndWindows()
    {
        var registry = FunctionRegistry.Builtin;
        Assert.Equal(FunctionKind.Scalar, registry.Find("upper")!.Kind);
        Assert.Equal(FunctionKind.Aggregate, registry.Find("avg")!.Kind);
        Assert.Equal(FunctionKind.Generator, registry.Find("explode_outer")!.Kind);
        Assert.Equal(FunctionKind.Grouping, registry.Find("session_window")!.Kind);
        Assert.All(new[] { "lower", "split", "from_json", "current_timestamp", "abs", "array" }, n => Assert.NotNull(registry.Find(n)!.Kernel));
    }

    [Fact]
    public void Add_TakenName_Throws()
    {
        var registry = new FunctionRegistry();
        registry.Add(new FunctionDefinition(["twice"], FunctionKind.Scalar, 1, 1, FunctionRules.Fixed(Int32Type.Default), (a, _, _) => a[0]));
        Assert.Throws<ArgumentException>(() => registry.Add(new FunctionDefinition(["TWICE"], FunctionKind.Scalar, 1, 1, FunctionRules.Fixed(Int32Type.Default), (a, _, _) => a[0])));
    }

    [Fact]
    public void Add_OneEntry_MakesANewFunctionBindableAndEvaluable()
    {
        // a function is one entry: names, arity, type rule and kernel
        var registry = new FunctionRegistry();
        registry.Add(new FunctionDefinition(["twice"], FunctionKind.Scalar, 1, 1, FunctionRules.Fixed(Int64Type.Default),
            (a, call, _) => ArithmeticKernels.Binary(BinaryOp.Multiply, CastKernels.Cast(a[0], call.Type), ArrayFactory.Broadcast(2L, Int64Type.Default, 1), call.Type)));
        var batch = Batch(("a", Ints(1, null, 3)));
        var bound = new ExpressionBinder(batch.Schema, registry).Bind(SqlExpressionParser.Parse("twice(a)"));
        Assert.IsType<Int64Type>(bound.Type);
        Assert.Equal(new object?[] { 2L, null, 6L }, Values(bound.Evaluate(new EvaluationScope(batch, Ctx, 0))));
    }

    [Fact]
    public void ResultOf_WrongArity_ThrowsSparksWrongNumArgs()
    {
        var e = Assert.Throws<AnalysisException>(() =>
            FunctionRegistry.Builtin.ResultOf(new FunctionCall("substring", [new ColumnRef("x")]), [(StringType.Default, true)]));
        Assert.Equal("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `substring` requires [2, 3] parameters but the actual number is 1.", e.Message);
    }

    [Fact]
    public void ResultOf_UnknownFunction_ThrowsUnresolvedRoutine()
    {
        var e = Assert.Throws<AnalysisException>(() => FunctionRegistry.Builtin.ResultOf(new FunctionCall("nope", []), []));
        Assert.Equal("[UNRESOLVED_ROUTINE] Cannot resolve routine `nope` on search path [`system`.`builtin`, `system`.`session`].", e.Message);
    }
}
