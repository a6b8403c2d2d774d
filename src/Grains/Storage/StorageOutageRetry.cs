using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Azure;
using Microsoft.Extensions.Logging;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// Runs each call of the Azure Blob checkpoint store so that a storage outage stalls the query instead of failing it:
/// an attempt that fails for transport reasons (connection refused or reset, a timeout, status 408, 429 or 5xx) is
/// tried again with capped exponential backoff until the call has taken <see cref="StorageRetrySettings.OutageBudget"/>;
/// then, and for any other service error, the call fails with an <see cref="IOException"/> naming the endpoint, the
/// operation and the key. Messages never hold the service URI's path or query (a SAS token) nor the connection string.
/// </summary>
internal sealed partial class StorageOutageRetry(
    StorageRetrySettings settings, string endpoint, string account, string container, CheckpointStoreHealth health, ILogger logger)
{
    private const string BudgetOption = "OrleansStream:Checkpoints:OutageBudget (environment variable OrleansStream__Checkpoints__OutageBudget)";

    /// <summary>The scheme, host and port of the service: what an operator needs to find the outage, and nothing secret.</summary>
    public string Endpoint => endpoint;

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds or the outage budget is spent. Each attempt gets a token that
    /// fires after the operation timeout, so that a hung connection the SDK's network timeout does not catch still ends.
    /// </summary>
    public async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> attempt, CancellationToken ct)
    {
        var callStarted = health.Now;
        var watch = Stopwatch.StartNew();
        var delay = settings.FirstDelay;
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                var result = await AttemptAsync(attempt, ct).ConfigureAwait(false);
                if (health.OnSuccess() is { } stall) LogInformationStorageRecovered(logger, endpoint, stall.TotalSeconds, operation, key, attempts);
                return result;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && IsTransient(ex))
            {
                health.OnFailure(callStarted);
                var remaining = settings.OutageBudget - watch.Elapsed;
                if (remaining <= TimeSpan.Zero) throw OutageFailure(operation, key, attempts, watch.Elapsed, ex);
                var pause = delay < remaining ? delay : remaining;
                LogWarningStorageFailing(logger, endpoint, operation, key, attempts, watch.Elapsed.TotalSeconds, Describe(ex), (long)pause.TotalMilliseconds, settings.OutageBudget);
                await Task.Delay(pause, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxDelay.Ticks));
            }
            catch (Exception ex) when (ex is RequestFailedException or AggregateException)
            {
                throw Failure(operation, key, $"status {Describe(ex)}", ex);
            }
        }
    }

    private async Task<T> AttemptAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.OperationTimeout);
        return await attempt(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether storage may answer a later attempt. Cancellation counts only when the caller did not cancel (checked by the
    /// caller): then it is the SDK's network timeout or this attempt's operation timeout.
    /// </summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        RequestFailedException { Status: 0 or 408 or 429 } => true,
        RequestFailedException { Status: >= 500 and not 501 and not 505 } => true,
        RequestFailedException => false,
        AggregateException { InnerExceptions: { Count: > 0 } inner } => inner.All(IsTransient),
        OperationCanceledException or TimeoutException or IOException or HttpRequestException or SocketException => true,
        _ => false,
    };

    private IOException OutageFailure(string operation, string key, int attempts, TimeSpan elapsed, Exception last) => Failure(operation, key,
        string.Create(CultureInfo.InvariantCulture,
            $"storage did not answer {attempts} attempts over {elapsed.TotalSeconds:F1} s, and the outage budget, {BudgetOption}, is {settings.OutageBudget}; the last failure: {Describe(last)}"),
        last);

    private IOException Failure(string operation, string key, string detail, Exception ex) => new(
        $"Azure Blob checkpoint storage at {endpoint}: could not {operation} '{key}' in container '{container}' of account '{account}' ({detail}).", ex);

    // What went wrong, from the parts of SDK exceptions that hold no request headers: status and error code, or the socket error.
    private string Describe(Exception ex) => ex switch
    {
        RequestFailedException { Status: > 0 } r => $"{r.Status}{(r.ErrorCode is { } code ? ", " + code : "")}",
        AggregateException { InnerExceptions: { Count: > 0 } inner } => Describe(inner[^1]),
        OperationCanceledException => string.Create(CultureInfo.InvariantCulture,
            $"no answer within the network timeout of {settings.NetworkTimeout.TotalSeconds:0.###} s or the operation timeout of {settings.OperationTimeout.TotalSeconds:0.###} s"),
        { InnerException: { } inner } when inner is not RequestFailedException => Describe(inner),
        HttpRequestException or SocketException or IOException => ex.Message,
        _ => "the service could not be reached",
    };

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning,
        Message = "Checkpoint storage at {Endpoint} is failing: {Operation} '{Key}' attempt {Attempt} failed {FailingSeconds:F1} s into the call ({Failure}); retrying in {DelayMs} ms within the outage budget of {OutageBudget}")]
    private static partial void LogWarningStorageFailing(ILogger logger, string endpoint, string operation, string key, int attempt, double failingSeconds, string failure, long delayMs, TimeSpan outageBudget);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Information,
        Message = "Checkpoint storage at {Endpoint} answers again after a stall of {StallSeconds:F1} s ({Operation} '{Key}' succeeded at attempt {Attempt})")]
    private static partial void LogInformationStorageRecovered(ILogger logger, string endpoint, double stallSeconds, string operation, string key, int attempt);
}
