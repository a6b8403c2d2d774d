using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansStream.Plan.Logical;

/// <summary>The wire form of a logical plan: JSON, so that a plan written by one version of the client stays readable.</summary>
public static class PlanSerializer
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serialises <paramref name="plan"/>.</summary>
    public static string Serialize(LogicalPlan plan) => JsonSerializer.Serialize(plan, Options);

    /// <summary>Reads a plan written by <see cref="Serialize"/>.</summary>
    public static LogicalPlan Deserialize(string json) =>
        JsonSerializer.Deserialize<LogicalPlan>(json, Options) ?? throw new InvalidOperationException("empty plan");
}
