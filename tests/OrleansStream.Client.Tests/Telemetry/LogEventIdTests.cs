using System.Reflection;
using Microsoft.Extensions.Logging;

namespace OrleansStream.Client.Tests.Telemetry;

/// <summary>Every log event of the product is a [LoggerMessage] with an event id of its own, so that one id finds one event.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void EveryLoggerMessage_HasAnEventIdNoOtherUses()
    {
        var assemblies = new[] { typeof(Engine.Telemetry.StreamingTelemetry).Assembly, typeof(Grains.Hosting.CheckpointStorageOptions).Assembly, typeof(Silo.ConsoleLogging).Assembly };
        var events = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();

        Assert.True(events.Count >= 20, $"found only {events.Count} [LoggerMessage] methods");
        Assert.All(events, e => Assert.True(e.Attribute!.EventId > 0, $"{e.Method} has no event id"));
        var shared = events.GroupBy(e => e.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}").ToList();
        Assert.True(shared.Count == 0, "event ids used twice: " + string.Join("; ", shared));
    }
}
