using System.Collections.Concurrent;
using Orleans.Runtime;

namespace OrleansStream.Testing;

/// <summary>
/// Injects faults at exact steps of the epoch protocol in an embedded silo: a test arms a fault for one grain method and
/// the first matching call after that fires it, once. Registered as an incoming grain call filter, so production code
/// carries no fault switches.
/// </summary>
public sealed class FaultInjection : IIncomingGrainCallFilter
{
    private readonly ConcurrentQueue<Fault> _armed = new();
    private int _fired;

    /// <summary>How many armed faults have fired.</summary>
    public int Fired => Volatile.Read(ref _fired);

    /// <summary>Registers this filter with an embedded silo.</summary>
    public void Register(ISiloBuilder silo) => silo.AddIncomingGrainCallFilter(this);

    /// <summary>After the next call of <paramref name="method"/> ("Name", or "IGrainInterface.Name" for one interface's) (matching <paramref name="when"/>) completes, its activation is deactivated, losing its memory.</summary>
    public void DeactivateAfter(string method, Func<object?[], bool>? when = null) => _armed.Enqueue(new Fault(method, when, Throw: false));

    /// <summary>The next call of <paramref name="method"/> (matching <paramref name="when"/>) fails before it runs, as a call to a dead silo does.</summary>
    public void FailNext(string method, Func<object?[], bool>? when = null) => _armed.Enqueue(new Fault(method, when, Throw: true));

    /// <summary>The next call of <paramref name="method"/> fails before it runs with <paramref name="exception"/>.</summary>
    public void FailNextWith(string method, Exception exception) => _armed.Enqueue(new Fault(method, null, Throw: true, exception));

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var fault = Take(context);
        if (fault is { Throw: true })
        {
            Interlocked.Increment(ref _fired);
            throw fault.Exception ?? new OrleansException($"Injected fault: {context.InterfaceMethod.Name} of {context.TargetId} failed.");
        }
        await context.Invoke();
        if (fault is not null)
        {
            Interlocked.Increment(ref _fired);
            context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "Injected fault: activation replaced"));
        }
    }

    // Only the oldest armed fault can fire, so that a test's faults fire in the order it armed them.
    private Fault? Take(IIncomingGrainCallContext context)
    {
        lock (_armed)
        {
            if (!_armed.TryPeek(out var next) || !next.Matches(context.InterfaceMethod)) return null;
            var args = Enumerable.Range(0, context.Request.GetArgumentCount()).Select(context.Request.GetArgument).ToArray();
            if (next.When is { } when && !when(args)) return null;
            _armed.TryDequeue(out _);
            return next;
        }
    }

    private sealed record Fault(string Method, Func<object?[], bool>? When, bool Throw, Exception? Exception = null)
    {
        // "Name" matches the method of any grain interface, "IInterface.Name" only that interface's.
        public bool Matches(System.Reflection.MethodInfo method) =>
            Method == method.Name || Method == $"{method.DeclaringType?.Name}.{method.Name}";
    }
}
