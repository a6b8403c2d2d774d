using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace OrleansStream.Grains.Hosting;

/// <summary>Where the health endpoint listens.</summary>
public sealed record HealthEndpointOptions(IPAddress Address, int Port);

/// <summary>
/// A minimal HTTP health endpoint for container probes: GET /healthz answers 200 "Healthy" while this silo is an active
/// member of its cluster and 503 otherwise. Plain TCP so that the silo needs no web framework.
/// </summary>
internal sealed partial class HealthEndpoint(HealthEndpointOptions options, ISiloStatusOracle status, ILogger<HealthEndpoint> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new TcpListener(options.Address, options.Port);
        listener.Start();
        LogInformationListening(logger, options.Address.ToString(), options.Port);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stoppingToken);
                await AnswerAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task AnswerAsync(TcpClient client, CancellationToken ct)
    {
        try
        {
            var stream = client.GetStream();
            var buffer = new byte[1024];
            var read = await stream.ReadAsync(buffer, ct);
            var request = Encoding.ASCII.GetString(buffer, 0, read);
            var healthy = status.CurrentStatus == SiloStatus.Active;
            var (code, body) = !request.StartsWith("GET /healthz", StringComparison.Ordinal) ? ("404 Not Found", "Not Found")
                : healthy ? ("200 OK", "Healthy") : ("503 Service Unavailable", $"Unhealthy: silo is {status.CurrentStatus}");
            var response = $"HTTP/1.1 {code}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), ct);
        }
        catch (IOException)
        {
            // A probe that hangs up early is not our problem.
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Health endpoint listening on http://{Address}:{Port}/healthz")]
    private static partial void LogInformationListening(ILogger logger, string address, int port);
}
