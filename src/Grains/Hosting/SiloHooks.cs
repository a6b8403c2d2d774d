using System.Runtime.Loader;
using Microsoft.Extensions.Configuration;

namespace OrleansStream.Grains.Hosting;

/// <summary>
/// Configures a silo from an assembly that is not part of the deployment: tests of a child silo process name one in
/// OrleansStream__TestHooks to register grain call filters that pause or fail the silo at exact steps, so that production
/// options and grains carry no fault switches. Every public non-abstract type implementing this interface in that
/// assembly is created and called once. Never set in production.
/// </summary>
public interface ISiloHooks
{
    /// <summary>Adds the hooks (typically incoming grain call filters) to <paramref name="silo"/>.</summary>
    void Configure(ISiloBuilder silo);
}

/// <summary>Loads the assembly named by OrleansStream__TestHooks, if set, and applies its <see cref="ISiloHooks"/>.</summary>
public static class SiloHooksExtensions
{
    /// <summary>The configuration key (environment variable OrleansStream__TestHooks): the path of the hooks assembly.</summary>
    public const string ConfigurationKey = OrleansStreamOptions.SectionName + ":TestHooks";

    /// <summary>Applies the hooks of the assembly at <c>OrleansStream:TestHooks</c>; without that setting, does nothing.</summary>
    public static ISiloBuilder AddSiloHooks(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (configuration[ConfigurationKey] is not { Length: > 0 } path) return silo;
        var full = Path.GetFullPath(path);
        // The hooks' own dependencies that the silo does not ship are found beside the hooks assembly.
        var folder = Path.GetDirectoryName(full)!;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            Path.Combine(folder, name.Name + ".dll") is var candidate && File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
        foreach (var type in assembly.GetExportedTypes().Where(t => t is { IsAbstract: false, IsClass: true } && typeof(ISiloHooks).IsAssignableFrom(t)))
            ((ISiloHooks)Activator.CreateInstance(type)!).Configure(silo);
        return silo;
    }
}
