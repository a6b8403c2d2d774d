using System.Reflection;

namespace OrleansStream.Client.Tests.Architecture;

/// <summary>
/// DESIGN §1, every arrow: Plan → Arrow only; Engine → Plan (no Orleans); Interfaces → no other project; Grains → Engine,
/// Interfaces, Plan; Client → Plan, Interfaces; Client.Hosting → Client, Grains; Ui → Grains (and what they speak). Read from each assembly's metadata, which
/// lists only the assemblies its code actually uses.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly Assembly Plan = typeof(LogicalPlan).Assembly;
    private static readonly Assembly Engine = typeof(OrleansStream.Engine.Planning.QueryPlanner).Assembly;
    private static readonly Assembly Interfaces = typeof(OrleansStream.Interfaces.Progress.StreamingQueryProgress).Assembly;
    private static readonly Assembly Grains = typeof(OrleansStream.Grains.Hosting.OrleansStreamOptions).Assembly;
    private static readonly Assembly Client = typeof(StreamSession).Assembly;
    private static readonly Assembly ClientHosting = typeof(EmbeddedSiloOptions).Assembly;
    private static readonly Assembly Ui = typeof(OrleansStream.Ui.Hosting.UiOptions).Assembly;

    private static List<string> ProjectReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("OrleansStream.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Plan_ReferencesNothingButArrow()
    {
        var references = Plan.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Apache.Arrow", references);
        Assert.All(references, name => Assert.True(name is "Apache.Arrow" or "netstandard" || name.StartsWith("System", StringComparison.Ordinal),
            $"OrleansStream.Plan references {name}"));
    }

    [Fact]
    public void Engine_ReferencesPlanOnly_AndNoOrleans()
    {
        Assert.Equal(["OrleansStream.Plan"], ProjectReferences(Engine));
        Assert.DoesNotContain(Engine.GetReferencedAssemblies(), a => a.Name!.StartsWith("Orleans.", StringComparison.Ordinal) || a.Name!.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
    }

    [Fact]
    public void Interfaces_ReferenceNoOtherProject()
    {
        Assert.Empty(ProjectReferences(Interfaces));
    }

    [Fact]
    public void Grains_ReferenceEngineInterfacesAndPlan_NeverTheClient()
    {
        Assert.Equal(["OrleansStream.Engine", "OrleansStream.Interfaces", "OrleansStream.Plan"], ProjectReferences(Grains));
    }

    [Fact]
    public void Client_ReferencesPlanAndInterfaces_NeverTheEngineOrTheGrains()
    {
        Assert.Equal(["OrleansStream.Interfaces", "OrleansStream.Plan"], ProjectReferences(Client));
    }

    [Fact]
    public void ClientHosting_IsTheBridgeFromTheClientToTheGrains()
    {
        var references = ProjectReferences(ClientHosting);

        Assert.Contains("OrleansStream.Client", references);
        Assert.Contains("OrleansStream.Grains", references);
    }

    [Fact]
    public void Ui_ReferencesTheGrainsSide_NeverTheClientOrTheSiloHost()
    {
        var references = ProjectReferences(Ui);

        // It reads the catalog through grain interfaces; the metadata lists only the assemblies whose types it uses.
        Assert.Contains("OrleansStream.Interfaces", references);
        Assert.Empty(references.Except(["OrleansStream.Grains", "OrleansStream.Engine", "OrleansStream.Interfaces", "OrleansStream.Plan"]));
    }
}
