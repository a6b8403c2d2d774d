using Apache.Arrow.Types;
using OrleansStream.Plan;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.DataFrames;

/// <summary>
/// A session connected to a cluster analyses on the cluster: schemas (inferred ones included) and analysis errors come
/// from the silo's analyser through <c>IBatchQueryGrain.AnalyzeAsync</c>, with Spark's messages.
/// </summary>
public sealed class RemoteAnalysisTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private StreamSession _silo = null!;
    private StreamSession _client = null!;

    public async Task InitializeAsync()
    {
        var gateway = Ports.Free();
        _silo = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = _data.Path, SiloPort = Ports.Free(), GatewayPort = gateway, ClusterId = "remote-analysis" });
        _client = await StreamSession.ConnectAsync(new StreamSessionOptions { GatewayPort = gateway, ClusterId = "remote-analysis" });
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _silo.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Schema_OfAFileSource_IsInferredByTheCluster()
    {
        var dir = _data.Sub("people");
        TempDirectory.WriteFile(dir, "people.csv", "name,age\nann,31\nbob,17\n");

        var people = _client.Read.Option("header", true).Option("inferSchema", true).Csv(dir).Select(Col("name"), (Col("age") + 1).As("next_age"));

        Assert.Equal(["name", "next_age"], people.Columns);
        var schema = await people.GetSchemaAsync();
        Assert.IsType<StringType>(schema.GetFieldByName("name").DataType);
        Assert.IsType<Int32Type>(schema.GetFieldByName("next_age").DataType);
        Assert.Equal(schema.FieldsList.Select(f => f.Name), people.Schema.FieldsList.Select(f => f.Name));
    }

    [Fact]
    public void Schema_OfAStream_ResolvesAndPrintsOnTheClient()
    {
        var events = _client.CreateMemoryStream<(string, long)>().ToDF().WithColumnRenamed("_1", "user").GroupBy("user").Count();

        Assert.Equal(["user", "count"], events.Columns);
        Assert.Contains("== Analyzed Schema ==", events.ExplainString());
        Assert.Equal("DataFrame[user: string, count: bigint]", events.ToString());
    }

    [Fact]
    public void AnalysisErrors_ReachTheClientAsAnalysisException_WithSparksMessage()
    {
        var events = _client.CreateMemoryStream<(string, long)>().ToDF();

        var unresolved = Assert.Throws<AnalysisException>(() => events.Select(Col("missing")).Schema);
        Assert.Contains("[UNRESOLVED_COLUMN.WITH_SUGGESTION]", unresolved.Message);
        Assert.Contains("`_1`, `_2`", unresolved.Message);

        var table = Assert.Throws<AnalysisException>(() => _client.Table("no_such_table_" + Guid.NewGuid().ToString("N")[..6]).Schema);
        Assert.Contains("[TABLE_OR_VIEW_NOT_FOUND]", table.Message);
    }
}
