using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace OrleansStream.Silo;

/// <summary>
/// The silo's console log format: JSON (one object per line, with the logging scopes: QueryId, QueryName, RunId, BatchId)
/// when OrleansStream__Logging__Format or Logging__Console__FormatterName is "json", or when the process runs in a
/// container (DOTNET_RUNNING_IN_CONTAINER, set by the .NET images) and no format is configured; single-line text otherwise.
/// </summary>
public static class ConsoleLogging
{
    public const string FormatKey = "OrleansStream:Logging:Format";

    public static ILoggingBuilder AddOrleansStreamConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        var format = configuration[FormatKey] ?? configuration["Logging:Console:FormatterName"]
            ?? (configuration["DOTNET_RUNNING_IN_CONTAINER"] == "true" ? "json" : "simple");
        return format.ToLowerInvariant() switch
        {
            "json" => logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            }),
            "simple" => logging.AddSimpleConsole(o => o.SingleLine = true),
            _ => throw new ArgumentException($"OrleansStream__Logging__Format must be 'json' or 'simple', not '{format}'."),
        };
    }
}
