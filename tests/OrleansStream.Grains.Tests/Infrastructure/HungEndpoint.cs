using System.Net;
using System.Net.Sockets;

namespace OrleansStream.Grains.Tests.Infrastructure;

/// <summary>A loopback TCP listener that accepts every connection and never answers: a hung storage endpoint.</summary>
public sealed class HungEndpoint : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    public HungEndpoint()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections it accepted.</summary>
    public int Connections
    {
        get
        {
            lock (_accepted) return _accepted.Count;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
            foreach (var socket in _accepted) socket.Dispose();
    }

    // Held open, never read from or written to.
    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted) _accepted.Add(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
