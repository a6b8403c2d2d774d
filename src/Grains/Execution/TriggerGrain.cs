using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.Storage;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Lookups;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// Hosts the engine's <see cref="EpochCoordinator"/> for one query (DESIGN.md §4): its persisted state is the checkpoint
/// records, and <see cref="GrainEpochRuntime"/> is the coordinator's port in grain calls. The grain owns activation (a run
/// outlives its activation and resumes in the next), reentrancy (status, stop and processAllAvailable calls interleave
/// with the epoch loop, which is one logical flow on the grain's scheduler) and timers.
/// </summary>
[Reentrant]
internal sealed class TriggerGrain(
    [PersistentState("trigger", OrleansStreamSiloBuilderExtensions.CheckpointStorageName)] IPersistentState<TriggerState> state,
    ConnectorFactory connectors,
    PathResolver paths,
    TimeProvider time,
    IOptions<OrleansStreamOptions> options,
    ILocalSiloDetails silo,
    CheckpointStoreHealth storageHealth,
    IEpochHooks hooks,
    ILogger<TriggerGrain> logger) : Grain, ITriggerGrain
{
    private readonly OrleansStreamOptions _options = options.Value;
    private TriggerRun? _run;
    private RunRequest? _pendingResume;
    private bool _deactivating;
    private bool _superseded;
    private Task _resuming = Task.CompletedTask;

    private string QueryKey => this.GetPrimaryKeyString();

    public async Task StartRunAsync(RunRequest request)
    {
        ThrowIfSuperseded();
        // A run the cluster resumed by itself (its client is gone) is taken over by a new start; a run that an activation
        // would resume but has not yet begun is simply replaced, so that the new run does all the work and reports it.
        _pendingResume = null;
        if (_run is { IsActive: true, Resumed: true } resumed)
        {
            resumed.RequestStop(byCaller: true);
            await resumed.Loop!;
        }
        if (_run is { IsActive: true })
            throw new InvalidOperationException($"Cannot start query with id {request.QueryId} as another query with same id is already active. Perhaps you are attempting to restart a query from checkpoint '{request.Spec.CheckpointLocation}' that is already active.");
        var compiled = await CompiledQuery.CompileAsync(request.Spec, connectors, paths, QueryKey);
        state.State.ActiveRun = request;
        state.State.LastRunError = null;
        await state.WriteStateAsync();
        Begin(new TriggerRun(request, compiled));
    }

    // The run outlives this activation: if the silo dies or Orleans moves the grain, the next activation resumes it from
    // the checkpoint (re-running a written-ahead epoch) as soon as anything but a new start calls the query.
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _pendingResume = state.State.ActiveRun;
        return Task.CompletedTask;
    }

    // Calls interleave (the grain is reentrant): every call that arrives while the run resumes waits for it, rather than
    // finding no run and answering "Stopped" (the client then ended its query). A resume that fails is tried again by the
    // next call.
    private Task ResumePendingRunAsync()
    {
        ThrowIfSuperseded();
        if (_pendingResume is { } request)
        {
            _pendingResume = null;
            _resuming = ResumeAsync(request);
        }
        return _resuming;
    }

    private async Task ResumeAsync(RunRequest request)
    {
        try
        {
            await ResumeOnceAsync(request);
        }
        catch
        {
            _pendingResume ??= request;
            throw;
        }
    }

    private async Task ResumeOnceAsync(RunRequest request)
    {
        TriggerLog.LogWarningResuming(logger, QueryKey, request.RunId);
        CompiledQuery compiled;
        try
        {
            compiled = await CompiledQuery.CompileAsync(request.Spec, connectors, paths, QueryKey);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or OrleansStream.Plan.AnalysisException or IOException)
        {
            // The query can no longer start here (its source vanished, the silo's roots changed): end the run, keep the grain usable.
            TriggerLog.LogErrorQueryFailed(logger, ex, QueryKey, request.RunId);
            state.State.ActiveRun = null;
            state.State.LastRunError = ex.Message;
            await state.WriteStateAsync();
            _ = GrainFactory.GetGrain<IQueryCatalogGrain>(IQueryCatalogGrain.ClusterKey).RunStoppedAsync(request.QueryId, request.RunId, ex.Message);
            if (request.Observer is { } observer) _ = observer.OnTerminated(request.RunId, ex.Message);
            return;
        }
        if (await ClaimRecordAsync(request)) Begin(new TriggerRun(request, compiled) { Resumed = true });
    }

    // Another activation may still run the query: when a silo dies with the grain directory's entry for this grain, a call
    // activates it again while the first activation goes on elsewhere. Calls reach this one now, so its writes must be the
    // ones that win: writing the record before the run begins makes the other's next conditional write lose, and that one
    // steps down. A storage failure here is left to the run, whose own writes settle it the same way.
    private async Task<bool> ClaimRecordAsync(RunRequest request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await state.WriteStateAsync();
                return true;
            }
            catch (InconsistentStateException) when (attempt < 5)
            {
                await state.ReadStateAsync();
                if (state.State.ActiveRun?.RunId != request.RunId) return false;
            }
            catch (Exception ex) when (ex is OrleansException or IOException or TimeoutException)
            {
                TriggerLog.LogWarningClaimFailed(logger, ex, QueryKey, request.RunId);
                return true;
            }
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Not a stop: the run continues in the next activation, so do not report it terminated.
        _deactivating = true;
        if (_run is not { Loop: { } loop } run) return;
        run.RequestStop();
        // The epoch in flight finishes in this activation (a graceful shutdown, a move): Orleans holds the grain's calls
        // until then, so the next activation resumes after it rather than running it again beside it. Orleans bounds the
        // wait (its deactivation timeout); past that, the writes of this activation's epoch are conditional and lose.
        try
        {
            await loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            TriggerLog.LogWarningLeftRunning(logger, QueryKey, run.Request.RunId);
        }
    }

    private void Begin(TriggerRun run)
    {
        var runtime = new GrainEpochRuntime(GrainFactory, state, run, paths, _options, storageHealth, hooks, logger, QueryKey,
            () => DelayDeactivation(TimeSpan.FromMinutes(30)));
        run.Coordinator = new EpochCoordinator(runtime, TriggerStateMapping.Load(state.State), GrainEpochRuntime.QueryOf(run.Query),
            GrainEpochRuntime.OptionsOf(run, _options) with
            {
                Telemetry = new OrleansStream.Engine.Telemetry.QueryTelemetry(run.Request.QueryId, run.Request.Spec.QueryName, run.Request.RunId, logger),
            }, time);
        _run = run;
        run.Loop = RunLoopAsync(run);
    }

    public async Task StopRunAsync()
    {
        await ResumePendingRunAsync();
        if (_run is not { } run) return;
        run.RequestStop(byCaller: true);
        await run.Loop!;
    }

    public async Task<QueryStatus> GetStatusAsync()
    {
        await ResumePendingRunAsync();
        var status = (_run?.Status(state.State.LastCommitted)
            ?? new QueryStatus { Message = "Stopped", Error = state.State.LastRunError, LastCommittedBatchId = state.State.LastCommitted }) with { Silo = silo.SiloAddress.Endpoint.ToString() };
        // No progress is reported while checkpoint storage does not answer: the status is the live signal.
        return status.IsActive && storageHealth.CurrentStallStarted is { } stalled
            ? status with { Message = $"Waiting for checkpoint storage (stalled {(time.GetUtcNow() - stalled).TotalSeconds:F0} s)" }
            : status;
    }

    public async Task<IReadOnlyList<string>> GetRecentProgressAsync()
    {
        await ResumePendingRunAsync();
        if (_run is { } run) await run.ProgressReported;
        return _run?.Progress.ToList() ?? [];
    }

    public async Task<long> MarkAvailableAsync()
    {
        await ResumePendingRunAsync();
        if (_run is not { } run) return 0L;
        var ticket = run.Coordinator.PlanRound + 1;
        if (run.Request.Spec.Trigger.Interval == TimeSpan.Zero) run.Coordinator.Poke();
        return ticket;
    }

    public async Task<bool> WaitForTicketAsync(long ticket, TimeSpan maxWait)
    {
        await ResumePendingRunAsync();
        if (_run is not { } run) return true;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ThrowIfSuperseded();
            if (run.Error is { } error) throw new StreamingQueryException(error);
            if (!run.IsActive || run.Coordinator.LastIdleRound >= ticket) return true;
            var remaining = maxWait - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero) return false;
            await Task.WhenAny(run.Coordinator.RoundCompleted, Task.Delay(remaining));
        }
    }

    public async Task<LookupTarget> GetLookupTargetAsync()
    {
        await ResumePendingRunAsync();
        return new LookupTarget
        {
            PlanJson = _run is { IsActive: true } run ? run.Query.PlanJson : null,
            LastCommitted = state.State.LastCommitted,
            StatePartitions = new Dictionary<int, int>(state.State.StatePartitions),
            NumKeyGroups = state.State.NumKeyGroups,
        };
    }

    private async Task RunLoopAsync(TriggerRun run)
    {
        await Task.Yield();
        try
        {
            await run.Query.SinkConnector.OnRunStartAsync(CancellationToken.None);
            await run.Coordinator.RunAsync(CancellationToken.None);
            await TerminateAsync(run, null);
        }
        catch (Exception ex) when (run.Superseded)
        {
            StepDown(run, ex);
        }
        catch (Exception ex) when (_deactivating)
        {
            TriggerLog.LogWarningMoved(logger, ex, QueryKey, run.Request.RunId);
            run.Terminate(ex);
        }
        catch (Exception ex)
        {
            TriggerLog.LogErrorQueryFailed(logger, ex, QueryKey, run.Request.RunId);
            await TerminateAsync(run, ex);
        }
    }

    // The run goes on in the activation that won: neither the catalog nor the client hears of an end. Calls still reaching
    // this activation are told to call again, and it deactivates as soon as they have left.
    private void StepDown(TriggerRun run, Exception ex)
    {
        TriggerLog.LogWarningSuperseded(logger, ex, QueryKey, run.Request.RunId);
        _superseded = true;
        run.Terminate(ex);
        this.DeactivateOnIdle();
    }

    private void ThrowIfSuperseded()
    {
        if (_superseded) throw new QueryCoordinatorMovedException(QueryKey);
    }

    private async Task TerminateAsync(TriggerRun run, Exception? error)
    {
        // The client fetches the last progress once it hears of the end.
        await run.ProgressReported;
        run.Terminate(error);
        if (_deactivating) return;
        if (state.State.ActiveRun?.RunId == run.Request.RunId)
        {
            state.State.ActiveRun = null;
            state.State.LastRunError = run.Error;
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception ex) when (ex is OrleansException or IOException)
            {
                TriggerLog.LogErrorQueryFailed(logger, ex, QueryKey, run.Request.RunId);
            }
        }
        _ = GrainFactory.GetGrain<IQueryCatalogGrain>(IQueryCatalogGrain.ClusterKey).RunStoppedAsync(run.Request.QueryId, run.Request.RunId, run.Error);
        // A caller that stopped the run learns of it from its own call; its client may already have let go of the observer.
        if (run.Request.Observer is { } observer && !run.StoppedByCaller) _ = observer.OnTerminated(run.Request.RunId, run.Error);
    }
}
