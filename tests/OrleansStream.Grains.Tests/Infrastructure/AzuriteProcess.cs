using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansStream.Grains.Tests.Infrastructure;

/// <summary>
/// An Azurite blob service of one test, which the test can stop and start again on the same port: blobs live in a temp
/// directory (--location), so they survive the restart as they would a real outage.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly TempDirectory _location = new();
    private Process? _process;

    private AzuriteProcess(int port) => Port = port;

    public int Port { get; }

    /// <summary>The connection string of Azurite's well-known development account on this process's port.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Azurite.AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static async Task<AzuriteProcess> StartAsync()
    {
        var azurite = new AzuriteProcess(Ports.Free());
        await azurite.StartAgainAsync();
        return azurite;
    }

    /// <summary>Starts the service (again) and waits until its port accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Binary())
        {
            ArgumentList = { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--skipApiVersionCheck", "--location", _location.Path, "--disableTelemetry", "--silent" },
            WorkingDirectory = _location.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("azurite-blob did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync())
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
                throw new InvalidOperationException($"azurite-blob did not listen on port {Port} (exit code {(_process.HasExited ? _process.ExitCode : -1)})");
            await Task.Delay(50);
        }
    }

    /// <summary>Stops the service as an operator would (SIGTERM, so that it saves its blob index) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        _location.Dispose();
    }

    private async Task<bool> AcceptsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }


    // infra/azurite/node_modules/.bin/azurite-blob of this repository, which infra/azurite/start.sh installs.
    private static string Binary()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "infra", "azurite", "node_modules", ".bin", "azurite-blob");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("infra/azurite/node_modules/.bin/azurite-blob not found: run the tests under infra/azurite/start.sh, which installs it.");
    }
}
