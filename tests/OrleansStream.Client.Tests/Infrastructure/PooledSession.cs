using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Engine.Data;

namespace OrleansStream.Client.Tests.Infrastructure;

/// <summary>A local session whose silo rents its column and exchange arrays from <c>pool</c>, so a test can count them.</summary>
public static class PooledSession
{
    /// <summary>Starts an embedded silo with its data under <paramref name="dataDirectory"/> and <paramref name="pool"/> as its buffer pool.</summary>
    public static Task<StreamSession> StartAsync(string dataDirectory, ArrowBufferPool pool) =>
        StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = dataDirectory,
            ConfigureSilo = silo => silo.Services.AddSingleton(pool),
        });
}
