using System.Collections.Concurrent;
using StackExchange.Redis;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// The silo's connections to Redis servers, one multiplexer per configuration (StackExchange.Redis multiplexes every call of
/// every query and source task over it, and reconnects by itself). A connection that failed is forgotten, so that the next
/// call tries again.
/// </summary>
internal sealed class RedisConnections : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> _connections = new(StringComparer.Ordinal);

    /// <summary>The connection to <paramref name="options"/>' server.</summary>
    /// <exception cref="InvalidOperationException">It cannot be reached; the message names option 'host' (without a password) and the cause.</exception>
    public async Task<IDatabase> DatabaseAsync(RedisStreamsOptions options, CancellationToken cancellationToken)
    {
        var key = options.Connection.ToString(includePassword: true);
        var connection = _connections.GetOrAdd(key, _ => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(options.Connection.Clone())));
        try
        {
            return (await connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        }
        catch (RedisConnectionException ex)
        {
            _connections.TryRemove(KeyValuePair.Create(key, connection));
            throw new InvalidOperationException($"Option 'host': cannot connect to Redis at '{options.Host}': {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values)
            if (connection.IsValueCreated && connection.Value.IsCompletedSuccessfully) connection.Value.Result.Dispose();
        _connections.Clear();
    }
}
