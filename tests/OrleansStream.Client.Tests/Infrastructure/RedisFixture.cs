using StackExchange.Redis;

namespace OrleansStream.Client.Tests.Infrastructure;

/// <summary>Debian's redis-server for the tests of a class, and a connection to add entries with; each test uses keys of its own.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    /// <summary>The server's StackExchange.Redis connection string.</summary>
    public string Host => _server!.ConnectionString;

    /// <summary>The server's database 0.</summary>
    public IDatabase Db => _connection!.GetDatabase();

    /// <summary>A stream key no other test uses, starting with <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{name}:{Guid.NewGuid():N}";

    /// <summary>Adds an entry with the explicit id <paramref name="id"/> and the field-value pairs <paramref name="fields"/>.</summary>
    public Task AddAsync(string stream, string id, params (string Field, string Value)[] fields) =>
        Db.StreamAddAsync(stream, fields.Select(f => new NameValueEntry(f.Field, f.Value)).ToArray(), id);

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
    }
}
