using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http;

namespace OrleansStream.Cluster.Tests.Infrastructure;

/// <summary>One silo process (`OrleansStream.Silo.dll silo`), configured only through its environment.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private SiloProcess(string name, Process process, int siloPort, int gatewayPort, int healthPort)
    {
        Name = name;
        SiloPort = siloPort;
        _process = process;
        GatewayPort = gatewayPort;
        HealthPort = healthPort;
    }

    /// <summary>A name for logs.</summary>
    public string Name { get; }

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; }

    /// <summary>The client gateway port.</summary>
    public int GatewayPort { get; }

    /// <summary>The health endpoint port.</summary>
    public int HealthPort { get; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>What the process printed.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Starts the silo with <paramref name="environment"/>.</summary>
    public static SiloProcess Start(string name, string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add("silo");
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var siloPort = int.Parse(environment["OrleansStream__Cluster__SiloPort"], System.Globalization.CultureInfo.InvariantCulture);
        var gateway = int.Parse(environment["OrleansStream__Cluster__GatewayPort"], System.Globalization.CultureInfo.InvariantCulture);
        var health = int.Parse(environment.GetValueOrDefault("OrleansStream__Cluster__HealthPort", "0"), System.Globalization.CultureInfo.InvariantCulture);
        var silo = new SiloProcess(name, process, siloPort, gateway, health);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) silo._log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) silo._log.Enqueue("err: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until GET /healthz answers 200 (the silo is an active member).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Log}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{HealthPort}/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} was not healthy within {timeout}:\n{Log}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Starts a silo from <paramref name="start"/> and waits until it is healthy. Ports are picked free by this process, and
    /// another process (a parallel test project) can take one before the silo binds it: a silo that exits saying so is
    /// started again, on the new ports <paramref name="start"/> picks, at most three times. Any other exit fails. The caller
    /// owns every silo <paramref name="start"/> made, exited or not.
    /// </summary>
    public static async Task<SiloProcess> StartHealthyAsync(Func<SiloProcess> start, TimeSpan timeout)
    {
        for (var attempt = 1; ; attempt++)
        {
            var silo = start();
            try
            {
                await silo.WaitHealthyAsync(timeout);
                return silo;
            }
            catch (InvalidOperationException) when (attempt < 3 && silo.HasExited && silo.Log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Started again below.
            }
        }
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Waits for the process to exit by itself, and for its output to be read to the end.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();
        return true;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
