using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Hosting;
using OrleansStream.Ui.Hosting;

namespace OrleansStream.Ui.Tests;

/// <summary>
/// One embedded silo whose checkpoints are in Azurite (so a real connection string with an account key is configured) and
/// which serves the web UI on a free loopback port with an API key; the tests run their own queries on it.
/// </summary>
public sealed class UiFixture : IAsyncLifetime
{
    private IServiceProvider? _silo;

    public TempDirectory Data { get; } = new();
    public StreamSession Session { get; private set; } = null!;
    public int Port { get; } = Ports.Free();
    public string ApiKey { get; } = "ui-test-key-" + Guid.NewGuid().ToString("N");
    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
    public string ConnectionString { get; } = Azurite.ConnectionString;

    /// <summary>The UI's server, for what only it knows (the addresses Kestrel listens on).</summary>
    internal UiServer Server => _silo!.GetRequiredService<UiServer>();

    public async Task InitializeAsync() => Session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = Data.Path,
        Checkpoints = new CheckpointStorageOptions
        {
            Provider = CheckpointStorageOptions.AzureBlobProvider,
            AzureBlob = { ConnectionString = ConnectionString, Container = Azurite.UniqueContainerName() },
        },
        ConfigureSilo = silo =>
        {
            silo.AddOrleansStreamUi(o =>
            {
                o.Port = Port;
                o.ApiKey = ApiKey;
            });
            silo.AddStartupTask((services, _) =>
            {
                _silo = services;
                return Task.CompletedTask;
            });
        },
    });

    public async Task DisposeAsync()
    {
        await Session.DisposeAsync();
        Data.Dispose();
    }

    /// <summary>A windowed count over a memory stream of seconds: one stateful operator, a watermark and event-time stats.</summary>
    public static DataFrame WindowedCount(DataFrame values) => values
        .WithColumn("eventTime", Col("value").Cast("timestamp"))
        .WithWatermark("eventTime", "10 seconds")
        .GroupBy(Window(Col("eventTime"), "5 seconds").As("window"))
        .Agg(Count().As("count"));

    /// <summary>Starts the windowed count under <paramref name="name"/> and runs one epoch per addition.</summary>
    public async Task<(StreamingQuery Query, MemoryStream<long> Input)> StartWindowedCountAsync(string name, params long[][] additions)
    {
        var input = Session.CreateMemoryStream<long>();
        var query = await WindowedCount(input.ToDF()).WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName(name)
            // No idle progress while the test reads the page: the latest batch stays the latest.
            .Option("noDataProgressEventInterval", "600000")
            .StartAsync();
        foreach (var rows in additions)
        {
            await input.AddDataAsync(rows);
            await query.ProcessAllAvailableAsync();
        }
        return (query, input);
    }
}

[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiFixture>
{
    public const string Name = "embedded silo serving the web UI";
}
