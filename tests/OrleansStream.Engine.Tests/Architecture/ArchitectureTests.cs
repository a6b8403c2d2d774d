namespace OrleansStream.Engine.Tests.Architecture;

public sealed class ArchitectureTests
{
    [Fact]
    public void Engine_ReferencesNoOrleansAssembly()
    {
        var references = typeof(Logical.LogicalPlan).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Apache.Arrow", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Orleans", StringComparison.Ordinal) || name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
    }
}
