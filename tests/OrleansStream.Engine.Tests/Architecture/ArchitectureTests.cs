namespace OrleansStream.Engine.Tests.Architecture;

public sealed class ArchitectureTests
{
    [Fact]
    public void Engine_ReferencesNoOrleansAssembly()
    {
        var references = typeof(OrleansStream.Engine.Planning.QueryPlanner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Apache.Arrow", references);
        Assert.Contains("OrleansStream.Plan", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Orleans.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
    }
}
