using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Storage;
using OrleansStream.Grains.Tests.Infrastructure;
using OrleansStream.Interfaces.Sources;

namespace OrleansStream.Grains.Tests.Hosting;

/// <summary>Choosing the checkpoint store through configuration, and failing at silo start when it is wrong.</summary>
public sealed class CheckpointStorageConfigurationTests
{
    private const string FakeKey = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWJlLWxvZ2dlZC0wMTIzNDU2Nzg5YWJjZGVm";

    [Fact]
    public void Environment_variables_choose_the_azure_blob_store()
    {
        // The documented variable names, behind a prefix of this test so that nothing else in the process sees them.
        var prefix = "OSTEST_" + Guid.NewGuid().ToString("N") + "_";
        var variables = new Dictionary<string, string>
        {
            ["OrleansStream__Checkpoints__Provider"] = "AzureBlob",
            ["OrleansStream__Checkpoints__AzureBlob__ConnectionString"] = Azurite.ConnectionString,
            ["OrleansStream__Checkpoints__AzureBlob__Container"] = "from-env",
            ["OrleansStream__Checkpoints__AzureBlob__Prefix"] = "cluster-7",
            ["OrleansStream__Checkpoints__OutageBudget"] = "00:07:00",
            ["OrleansStream__Checkpoints__AzureBlob__NetworkTimeout"] = "00:00:09",
            ["OrleansStream__Checkpoints__AzureBlob__OperationTimeout"] = "00:00:40",
        };
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(prefix + name, value);
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            using var services = Services(configuration);
            var store = Assert.IsType<AzureBlobCheckpointStore>(services.GetRequiredService<ICheckpointStore>());
            Assert.Equal("from-env", store.ContainerName);
            Assert.Equal("cluster-7/", store.Prefix);
            var checkpoints = services.GetRequiredService<IOptions<OrleansStreamOptions>>().Value.Checkpoints;
            Assert.Equal(TimeSpan.FromMinutes(7), checkpoints.OutageBudget);
            Assert.Equal(TimeSpan.FromSeconds(9), checkpoints.AzureBlob.NetworkTimeout);
            Assert.Equal(TimeSpan.FromSeconds(40), checkpoints.AzureBlob.OperationTimeout);
            Assert.Same(services.GetRequiredService<CheckpointStoreHealth>(), store.Health);
        }
        finally
        {
            foreach (var name in variables.Keys) Environment.SetEnvironmentVariable(prefix + name, null);
        }
    }

    [Fact]
    public void The_default_is_the_file_system_store_under_the_data_directory()
    {
        using var dir = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansStream:DataDirectory"] = dir.Path,
        }).Build();
        using var services = Services(configuration);
        var store = Assert.IsType<FileSystemCheckpointStore>(services.GetRequiredService<ICheckpointStore>());
        Assert.Equal(Path.Combine(dir.Path, "checkpoints"), store.Root);
    }

    [Fact]
    public async Task A_missing_connection_string_stops_the_silo_at_start_naming_the_option()
    {
        using var host = SiloHost(o => o.Checkpoints.Provider = "AzureBlob");
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansStream:Checkpoints:AzureBlob:ConnectionString", e.Message);
        Assert.Contains("OrleansStream__Checkpoints__AzureBlob__ConnectionString", e.Message);
    }

    [Theory]
    [InlineData("AccountKey=" + FakeKey)]
    [InlineData(FakeKey)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + FakeKey + "!!;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + FakeKey + ";BlobEndpoint=not a url;")]
    public async Task A_malformed_connection_string_stops_the_silo_without_echoing_it(string connectionString)
    {
        using var host = SiloHost(o =>
        {
            o.Checkpoints.Provider = "azureblob";
            o.Checkpoints.AzureBlob.ConnectionString = connectionString;
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansStream:Checkpoints:AzureBlob:ConnectionString", e.Message);
        Assert.DoesNotContain(FakeKey, e.ToString());
    }

    [Fact]
    public async Task Other_invalid_settings_stop_the_silo_naming_each_option()
    {
        using var host = SiloHost(o =>
        {
            o.Checkpoints.Provider = "AzureBlob";
            o.Checkpoints.AzureBlob.ConnectionString = "UseDevelopmentStorage=true";
            o.Checkpoints.AzureBlob.Container = "Not_Valid";
            o.Checkpoints.AzureBlob.Prefix = "../up";
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansStream:Checkpoints:AzureBlob:Container", e.Message);
        Assert.Contains("OrleansStream:Checkpoints:AzureBlob:Prefix", e.Message);
        Assert.DoesNotContain("ConnectionString", e.Message);

        using var other = SiloHost(o => o.Checkpoints.Provider = "S3");
        var unknown = await Assert.ThrowsAsync<OptionsValidationException>(() => other.StartAsync());
        Assert.Contains("OrleansStream__Checkpoints__Provider", unknown.Message);
    }

    [Fact]
    public async Task A_negative_log_retention_stops_the_silo_naming_the_option()
    {
        using var host = SiloHost(o => o.MinBatchesToRetain = -1);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansStream:MinBatchesToRetain is -1", e.Message);
    }

    [Fact]
    public async Task A_write_ahead_group_below_one_stops_the_silo_naming_the_option()
    {
        using var host = SiloHost(o => o.WriteAheadGroup = 0);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansStream:WriteAheadGroup is 0", e.Message);
    }

    [Fact]
    public async Task Invalid_timeouts_stop_the_silo_naming_each_option()
    {
        using var host = SiloHost(o =>
        {
            o.Checkpoints.Provider = "AzureBlob";
            o.Checkpoints.AzureBlob.ConnectionString = "UseDevelopmentStorage=true";
            o.Checkpoints.OutageBudget = TimeSpan.Zero;
            o.Checkpoints.AzureBlob.NetworkTimeout = TimeSpan.FromSeconds(30);
            o.Checkpoints.AzureBlob.OperationTimeout = TimeSpan.FromSeconds(10);
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansStream__Checkpoints__OutageBudget", e.Message);
        Assert.Contains("OrleansStream__Checkpoints__AzureBlob__OperationTimeout", e.Message);
        Assert.DoesNotContain("ConnectionString", e.Message);
    }

    [Fact]
    public async Task A_silo_configured_for_azure_blob_keeps_grain_state_in_the_container_across_silos()
    {
        var container = new BlobContainerClient(Azurite.ConnectionString, Azurite.UniqueContainerName());
        void Configure(OrleansStreamOptions o)
        {
            o.Checkpoints.Provider = CheckpointStorageOptions.AzureBlobProvider;
            o.Checkpoints.AzureBlob.ConnectionString = Azurite.ConnectionString;
            o.Checkpoints.AzureBlob.Container = container.Name;
            o.Checkpoints.AzureBlob.Prefix = "cluster-1";
        }

        using (var first = SiloHost(Configure))
        {
            await first.StartAsync();
            var offsets = await first.Services.GetRequiredService<IGrainFactory>().GetGrain<IMemoryStreamGrain>("session")
                .AddAsync([new MemoryStreamAppend("s1", [1, 2, 3])]);
            Assert.Equal(1, offsets["s1"]);
            await first.StopAsync();
        }
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync()) names.Add(item.Name);
        Assert.Contains(names, n => n.StartsWith("cluster-1/grains/", StringComparison.Ordinal));

        using (var second = SiloHost(Configure))
        {
            await second.StartAsync();
            var grain = second.Services.GetRequiredService<IGrainFactory>().GetGrain<IMemoryStreamGrain>("session");
            Assert.Equal(1, await grain.GetLatestOffsetAsync("s1"));
            await second.StopAsync();
        }
        await container.DeleteIfExistsAsync();
    }

    private static ServiceProvider Services(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<OrleansStreamOptions>(configuration.GetSection(OrleansStreamOptions.SectionName));
        services.AddOrleansStream();
        return services.BuildServiceProvider();
    }

    private static IHost SiloHost(Action<OrleansStreamOptions> configure) => TestSilo.Build("grains-tests", configure);

}
