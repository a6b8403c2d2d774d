namespace OrleansStream.Ui.Hosting;

/// <summary>
/// The web UI a silo serves, bound from <c>OrleansStream:Ui</c> (environment: <c>OrleansStream__Ui__Address</c>,
/// <c>__Port</c>, <c>__ApiKey</c>): the query pages, their JSON API and the Prometheus scrape endpoint at <c>/metrics</c>.
/// </summary>
public sealed class UiOptions
{
    /// <summary>The configuration section the silo binds.</summary>
    public const string SectionName = "OrleansStream:Ui";

    /// <summary>The one IP address the UI listens on (default 127.0.0.1; 0.0.0.0 for every IPv4 interface, as in a container).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The TCP port (1-65535). Required: the silo command serves the UI only when a port is configured.</summary>
    public int Port { get; set; }

    /// <summary>
    /// The key that <c>POST /api/queries/{id}/stop</c> must carry in its <c>X-Api-Key</c> header. Unset, the UI is
    /// read-only: stopping is refused. Never shown on a page or in a metric.
    /// </summary>
    public string? ApiKey { get; set; }
}
