using System.Diagnostics;

namespace OrleansStream.Cluster.Tests.Infrastructure;

/// <summary>The silo published once per test run with `dotnet publish`, as the container image's build stage does.</summary>
public sealed class PublishedSilo : IAsyncLifetime
{
    /// <summary>The published OrleansStream.Silo.dll.</summary>
    public string Assembly { get; private set; } = "";

    private string _folder = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _folder = Repository.NewTempFolder("os-silo");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "publish", Path.Combine(Repository.Root, "src", "Silo", "OrleansStream.Silo.csproj"), "-c", "Release", "-o", _folder, "--nologo", "-v", "q" })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}): {await output}{await error}");
        Assembly = Path.Combine(_folder, "OrleansStream.Silo.dll");
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<PublishedSilo>
{
    public const string Name = "published silo";
}
