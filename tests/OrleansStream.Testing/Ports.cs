using System.Net;
using System.Net.Sockets;

namespace OrleansStream.Testing;

/// <summary>Loopback ports for processes a test starts.</summary>
public static class Ports
{
    // Below Linux's ephemeral range (32768-60999): a port the kernel hands out for outgoing connections (silos connect to
    // each other, to Redis and to Azurite all the time) could be taken between this check and the child's bind.
    private const int First = 20000, Last = 32000;

    /// <summary>A loopback TCP port that was free a moment ago, outside the ephemeral range.</summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(First, Last);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 100 tries.");
    }
}
