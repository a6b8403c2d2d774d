using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansStream.Cluster.Tests.Soak;

/// <summary>The main job (`OrleansStream.Silo.dll job ...`) as a process of its own, so that a test can kill it -9.</summary>
internal sealed class JobProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private JobProcess(Process process) => _process = process;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the job printed.</summary>
    public string Log => string.Join('\n', _log.TakeLast(60));

    public static JobProcess Start(string assembly, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(assembly);
        foreach (var a in args) info.ArgumentList.Add(a);
        var job = new JobProcess(Process.Start(info)!);
        job._process.OutputDataReceived += (_, e) => { if (e.Data is not null) job._log.Enqueue(e.Data); };
        job._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) job._log.Enqueue("err: " + e.Data); };
        job._process.BeginOutputReadLine();
        job._process.BeginErrorReadLine();
        return job;
    }

    /// <summary>True when the job exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
