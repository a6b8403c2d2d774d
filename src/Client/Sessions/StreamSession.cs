using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Interfaces.Sources;

namespace OrleansStream.Client;

/// <summary>
/// The entry point (Spark's SparkSession): reads streams and tables, builds DataFrames and manages queries,
/// against a running cluster (<see cref="ConnectAsync"/>) or an embedded silo (<c>StartLocalAsync</c>, from the
/// OrleansStream.Client.Hosting package).
/// </summary>
public sealed class StreamSession : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Lazy<Task> _disposal;
    private int _nextSourceId;

    // The embedded silo (OrleansStream.Client.Hosting) builds its own host and hands it over: the session owns it.
    internal StreamSession(IHost host)
    {
        _host = host;
        _disposal = new(StopAsync);
        Grains = host.Services.GetRequiredService<IClusterClient>();
        Streams = new StreamingQueryManager(this);
    }

    internal IClusterClient Grains { get; }
    internal string SessionKey { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Queries started from this session.</summary>
    public StreamingQueryManager Streams { get; }

    /// <summary>Reads streaming DataFrames.</summary>
    public DataStreamReader ReadStream => new(this);

    /// <summary>Reads batch DataFrames.</summary>
    public DataFrameReader Read => new(this);

    /// <summary>Connects to a running cluster: through the gateway on this machine, or through every live gateway listed in Redis.</summary>
    /// <exception cref="ArgumentException">The clustering options are incomplete (the message names the option).</exception>
    public static async Task<StreamSession> ConnectAsync(StreamSessionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel);
        builder.UseOrleansClient(client =>
        {
            switch (options.Clustering.ToLowerInvariant())
            {
                case "localhost":
                    client.UseLocalhostClustering(options.GatewayPort == 0 ? 30000 : options.GatewayPort, options.ServiceId, options.ClusterId);
                    break;
                case "redis":
                    var connection = options.RedisConnectionString is { Length: > 0 } c ? c
                        : throw new ArgumentException("StreamSessionOptions.RedisConnectionString is required when Clustering is Redis.", nameof(options));
                    client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                    {
                        o.ClusterId = options.ClusterId;
                        o.ServiceId = options.ServiceId;
                    });
                    client.UseRedisClustering(o => o.ConfigurationOptions = ParseRedis(connection));
                    break;
                default:
                    throw new ArgumentException($"StreamSessionOptions.Clustering must be 'Localhost' or 'Redis', not '{options.Clustering}'.", nameof(options));
            }
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new StreamSession(host);
    }

    /// <summary>A new in-memory test stream of <typeparamref name="T"/> (column "value" for scalars, _1, _2... for tuples, property names for records).</summary>
    public MemoryStream<T> CreateMemoryStream<T>() => new(this, Guid.NewGuid().ToString("N"));

    /// <summary>Adds rows to several memory streams so that they all land in the same epoch.</summary>
    public async Task AddDataAsync(params MemoryStreamRows[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var appends = rows.Select(r => new MemoryStreamAppend(r.StreamId, r.ArrowIpc)).ToList();
        await Grains.GetGrain<IMemoryStreamGrain>(SessionKey).AddAsync(appends).ConfigureAwait(false);
    }

    /// <summary>The table of a memory sink (the query's name), read again by every action on the returned DataFrame.</summary>
    public DataFrame Table(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new DataFrame(this, new SourceRelation(NextSourceId(), "memory-table", new Dictionary<string, string> { ["name"] = name }, null, false));
    }

    /// <summary>A batch DataFrame over rows given here.</summary>
    public DataFrame CreateDataFrame(IReadOnlyList<object?[]> rows, string schemaDdl)
    {
        var batch = ArrowValues.FromRows(OrleansStream.Plan.Types.DataTypes.ParseSchema(schemaDdl), rows);
        return new DataFrame(this, new LocalRelation(ArrowIpc.Serialize(batch)));
    }

    // Never echoes the connection string (it may hold a password) when it is malformed.
    private static StackExchange.Redis.ConfigurationOptions ParseRedis(string connection)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(connection);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException("StreamSessionOptions.RedisConnectionString is not a valid StackExchange.Redis connection string.");
        }
    }

    internal string NextSourceId() => Interlocked.Increment(ref _nextSourceId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Stops the queries of this session and, for an embedded silo, the silo. Every call, also one made while the
    /// first is under way, returns once the session has stopped.</summary>
    public ValueTask DisposeAsync() => new(_disposal.Value);

    private async Task StopAsync()
    {
        foreach (var query in Streams.Active) await query.StopAsync().ConfigureAwait(false);
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
