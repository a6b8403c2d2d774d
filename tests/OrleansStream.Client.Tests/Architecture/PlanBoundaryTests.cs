using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace OrleansStream.Client.Tests.Architecture;

/// <summary>
/// Until the Plan assembly exists, the client still references the engine project: it may use only the engine types
/// that move to Plan (DESIGN §1, issue 17 item 6), read here from the client's metadata, so that the move is mechanical.
/// </summary>
public sealed class PlanBoundaryTests
{
    // The public types of the engine files bound for src/Plan that the client may name.
    private static readonly HashSet<string> BoundForPlan =
    [
        "OrleansStream.Engine.AnalysisException",
        "OrleansStream.Engine.Logical.LogicalPlan", "OrleansStream.Engine.Logical.SourceRelation", "OrleansStream.Engine.Logical.LocalRelation",
        "OrleansStream.Engine.Logical.Project", "OrleansStream.Engine.Logical.Filter", "OrleansStream.Engine.Logical.WithColumns",
        "OrleansStream.Engine.Logical.RenameColumn", "OrleansStream.Engine.Logical.DropColumns", "OrleansStream.Engine.Logical.Union",
        "OrleansStream.Engine.Logical.Aggregate", "OrleansStream.Engine.Logical.EventTimeWatermark", "OrleansStream.Engine.Logical.Deduplicate",
        "OrleansStream.Engine.Logical.PlanSerializer",
        "OrleansStream.Engine.Expressions.Expr", "OrleansStream.Engine.Expressions.ColumnRef", "OrleansStream.Engine.Expressions.Star",
        "OrleansStream.Engine.Expressions.Literal", "OrleansStream.Engine.Expressions.Alias", "OrleansStream.Engine.Expressions.BinaryExpr",
        "OrleansStream.Engine.Expressions.UnaryExpr", "OrleansStream.Engine.Expressions.CastExpr", "OrleansStream.Engine.Expressions.CaseWhen",
        "OrleansStream.Engine.Expressions.CaseBranch", "OrleansStream.Engine.Expressions.FunctionCall", "OrleansStream.Engine.Expressions.GetField",
        "OrleansStream.Engine.Expressions.BinaryOp", "OrleansStream.Engine.Expressions.UnaryOp", "OrleansStream.Engine.Expressions.ExprSql",
        "OrleansStream.Engine.Types.DataTypes", "OrleansStream.Engine.Types.IntervalParser",
        "OrleansStream.Engine.Sql.SqlExpressionParser", "OrleansStream.Engine.Sql.SqlParseException",
        "OrleansStream.Engine.Data.ArrowIpc", "OrleansStream.Engine.Data.ArrowValues",
        "OrleansStream.Engine.Formats.ConsoleFormatter",
    ];

    [Fact]
    public void Client_UsesOnlyEngineTypesBoundForPlan()
    {
        var used = EngineTypesUsedByClient();

        var staying = used.Where(t => !BoundForPlan.Contains(t)).ToList();

        Assert.Contains("OrleansStream.Engine.Logical.LogicalPlan", used);
        Assert.Empty(staying);
    }

    private static List<string> EngineTypesUsedByClient()
    {
        using var pe = new PEReader(File.OpenRead(typeof(StreamSession).Assembly.Location));
        var metadata = pe.GetMetadataReader();
        var used = new List<string>();
        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            // Nested types resolve through their declaring type, which is listed on its own.
            if (type.ResolutionScope.Kind != HandleKind.AssemblyReference) continue;
            var assembly = metadata.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope);
            if (metadata.GetString(assembly.Name) == "OrleansStream.Engine")
                used.Add($"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}");
        }
        return used;
    }
}
