using System.Reflection;

namespace OrleansStream.Client.Tests.Architecture;

/// <summary>DESIGN §1: the client references Plan and Interfaces, never the grains or the silo; the embedded silo lives in OrleansStream.Client.Hosting.</summary>
public sealed class ClientArchitectureTests
{
    private static readonly Assembly Client = typeof(StreamSession).Assembly;

    [Fact]
    public void Client_ReferencesNeitherTheGrainsNorTheSiloNorTheirStorage()
    {
        var references = Client.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("OrleansStream.Interfaces", references);
        Assert.DoesNotContain("OrleansStream.Grains", references);
        Assert.DoesNotContain(references, name => name is "Orleans.Runtime" or "Orleans.Server"
            || name.StartsWith("Azure.", StringComparison.Ordinal) || name.StartsWith("Parquet", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientPublicApi_ExposesNoGrainsOrSiloType()
    {
        var exposed = Client.GetExportedTypes()
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Select(m => (t, m)))
            .SelectMany(x => TypesOf(x.m).Select(type => (Member: $"{x.t.Name}.{x.m.Name}", Type: type)))
            .Where(x => x.Type.Assembly.GetName().Name is "OrleansStream.Grains" or "Orleans.Runtime" or "Orleans.Server")
            .Select(x => $"{x.Member}: {x.Type.FullName}")
            .ToList();

        Assert.Empty(exposed);
    }

    [Fact]
    public void StartLocalAsync_ComesFromTheHostingAssembly_WithTheSameCallShape()
    {
        var method = typeof(EmbeddedSilo).GetMethod("StartLocalAsync", [typeof(StreamSessionOptions), typeof(CancellationToken)]);

        Assert.NotNull(method);
        Assert.Equal("OrleansStream.Client.Hosting", method.DeclaringType!.Assembly.GetName().Name);
        Assert.Null(typeof(StreamSession).GetMethod("StartLocalAsync"));
    }

    private static IEnumerable<Type> TypesOf(MemberInfo member) => (member switch
    {
        PropertyInfo p => [p.PropertyType],
        FieldInfo f => [f.FieldType],
        MethodInfo m => [m.ReturnType, .. m.GetParameters().Select(p => p.ParameterType)],
        ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
        EventInfo e => [e.EventHandlerType!],
        _ => Array.Empty<Type>(),
    }).SelectMany(Unwrap);

    // Generic arguments count too: Action<ISiloBuilder> exposes ISiloBuilder.
    private static IEnumerable<Type> Unwrap(Type type) =>
        type.HasElementType ? Unwrap(type.GetElementType()!)
        : type.IsGenericType && !type.IsGenericTypeDefinition ? [type, .. type.GetGenericArguments().SelectMany(Unwrap)]
        : [type];
}
