using System.Diagnostics;

namespace OrleansStream.Cluster.Tests.Infrastructure;

/// <summary>The silo published once per test run with `dotnet publish`, as the container image's build stage does.</summary>
public class PublishedSilo : IAsyncLifetime
{
    private readonly string _project;
    private readonly string _assemblyName;

    /// <summary>The stock silo, src/Silo (infra/Dockerfile).</summary>
    public PublishedSilo() : this(Path.Combine("src", "Silo", "OrleansStream.Silo.csproj"), "OrleansStream.Silo.dll") { }

    /// <summary>The silo of <paramref name="project"/> (relative to the repository root), whose entry assembly is <paramref name="assemblyName"/>.</summary>
    protected PublishedSilo(string project, string assemblyName)
    {
        _project = project;
        _assemblyName = assemblyName;
    }

    /// <summary>The published silo assembly.</summary>
    public string Assembly { get; private set; } = "";

    private string _folder = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _folder = Repository.NewTempFolder("os-silo");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "publish", Path.Combine(Repository.Root, _project), "-c", "Release", "-o", _folder, "--nologo", "-v", "q" })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}): {await output}{await error}");
        Assembly = Path.Combine(_folder, _assemblyName);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

/// <summary>The sample silo that carries user code (samples/UserCodeSilo, infra/Dockerfile.usercode), published the same way.</summary>
public sealed class PublishedUserCodeSilo() : PublishedSilo(Path.Combine("samples", "UserCodeSilo", "Silo", "OrleansStream.Samples.UserCodeSilo.csproj"), "UserCodeSilo.dll");

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<PublishedSilo>
{
    public const string Name = "published silo";
}
