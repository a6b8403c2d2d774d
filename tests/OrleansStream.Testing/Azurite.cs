using Azure.Storage.Blobs;

namespace OrleansStream.Testing;

/// <summary>The Azurite blob service that ./test.sh starts (infra/azurite/start.sh) for these tests.</summary>
public static class Azurite
{
    /// <summary>The variable holding Azurite's connection string.</summary>
    public const string EnvironmentVariable = "ORLEANSSTREAM_TEST_AZURITE_BLOB";

    /// <summary>Azurite's well-known development account key (public, part of every Azurite connection string).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// The connection string. A missing variable fails the test rather than skipping it, so that a run without Azurite
    /// cannot pass unnoticed.
    /// </summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set: run ./test.sh, which starts Azurite, or run the tests under infra/azurite/start.sh "
                + "(e.g. infra/azurite/start.sh dotnet test tests/OrleansStream.Grains.Tests -c Release).");

    /// <summary>A container name no other test uses, so tests can run in parallel against one Azurite.</summary>
    public static string UniqueContainerName() => "t" + Guid.NewGuid().ToString("N");

    /// <summary>A client for a new, not yet created container.</summary>
    public static BlobContainerClient NewContainer() => new(ConnectionString, UniqueContainerName());
}
