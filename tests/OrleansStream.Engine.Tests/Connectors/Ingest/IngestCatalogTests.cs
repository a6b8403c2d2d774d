using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Engine.Tests.Data;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Connectors.Ingest;

public sealed class IngestCatalogTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FileSystemCheckpointStore _store;

    public IngestCatalogTests() => _store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "checkpoints"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Declare_Again_WithTheSameSchemaReturnsIt_WithAnotherSchemaIsRefusedNamingBoth()
    {
        var declared = await IngestCatalog.DeclareAsync(_store, new IngestDeclaration("clicks", "user string, n int", 2, 1000), default);
        Assert.Equal("user string, n int", declared.SchemaDdl);

        Assert.Equal(declared, await IngestCatalog.DeclareAsync(_store, new IngestDeclaration("clicks", "user STRING, n INT", 2, 1000), default));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => IngestCatalog.DeclareAsync(_store, new IngestDeclaration("clicks", "user STRING", 2, 1000), default));
        Assert.Contains("'user string, n int'", error.Message);
        Assert.Contains("'user string'", error.Message);
    }

    [Fact]
    public async Task Require_AnUnknownIngest_FailsNamingIt()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => IngestCatalog.RequireAsync(_store, "nope", default));
        Assert.Equal("Ingest 'nope' does not exist: declare it first with CreateIngestAsync.", error.Message);
    }

    [Theory]
    [InlineData("bad/name", "not valid")]
    [InlineData("", "must not be empty")]
    public async Task Declare_ABadName_IsRefused(string name, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => IngestCatalog.DeclareAsync(_store, new IngestDeclaration(name, "a INT", 1, 0), default));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Validator_NamesTheRowAndColumnOfANullInANotNullColumn_AndATypeMismatch()
    {
        var schema = DataTypes.ParseSchema("id BIGINT NOT NULL, user STRING");
        var nulls = ArrowValues.FromRows(DataTypes.ParseSchema("id BIGINT, user STRING"), [[1L, "a"], [2L, "b"], [null, "c"]]);
        var wrongType = ArrowValues.FromRows(DataTypes.ParseSchema("id INT, user STRING"), [[1, "a"]]);
        var extra = ArrowValues.FromRows(DataTypes.ParseSchema("id BIGINT, user STRING, x INT"), [[1L, "a", 1]]);

        Assert.Equal("Ingest 'clicks': row 2, column 'id' is null but the column is NOT NULL; nothing was appended.",
            Assert.Throws<ArgumentException>(() => IngestBatchValidator.Validate("clicks", schema, nulls)).Message);
        Assert.Equal("Ingest 'clicks': column 'id' is int but was declared bigint; nothing was appended.",
            Assert.Throws<ArgumentException>(() => IngestBatchValidator.Validate("clicks", schema, wrongType)).Message);
        Assert.Contains("column 'x' is not in the declared schema", Assert.Throws<ArgumentException>(() => IngestBatchValidator.Validate("clicks", schema, extra)).Message);
        IngestBatchValidator.Validate("clicks", schema, ArrowValues.FromRows(schema, [[1L, null]]));
    }
}
