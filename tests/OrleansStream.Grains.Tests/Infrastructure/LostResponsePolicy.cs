using Azure.Core;
using Azure.Core.Pipeline;

namespace OrleansStream.Grains.Tests.Infrastructure;

/// <summary>
/// A pipeline policy (per retry) that sends the first PUT of a blob whose name ends with <paramref name="blobSuffix"/> to
/// the service and then throws away its response, as a connection reset after the service committed the write would:
/// the write lands, the caller sees a transport failure and retries.
/// </summary>
public sealed class LostResponsePolicy(string blobSuffix) : HttpPipelinePolicy
{
    private int _lost;

    /// <summary>How many responses were thrown away.</summary>
    public int Lost => Volatile.Read(ref _lost);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        LoseFirst(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        LoseFirst(message);
    }

    private void LoseFirst(HttpMessage message)
    {
        if (message.Request.Method != RequestMethod.Put || !message.Request.Uri.Path.EndsWith(blobSuffix, StringComparison.Ordinal)) return;
        if (message.Response.Status is < 200 or >= 300) return;
        if (Interlocked.CompareExchange(ref _lost, 1, 0) == 0)
            throw new IOException("Injected fault: the connection was reset before the response arrived.");
    }
}
