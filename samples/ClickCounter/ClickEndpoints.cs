using System.Text.Json;
using OrleansStream.Client;

namespace OrleansStream.Samples.ClickCounter;

/// <summary>The sample's HTTP API.</summary>
public static class ClickEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary><c>POST /clicks</c>: one click or an array of clicks; 202 once the ingest holds them durably, 400 naming what is wrong.</summary>
    public static async Task<IResult> PostAsync(HttpRequest request, ClickPipeline pipeline, CancellationToken cancellationToken)
    {
        Click[] clicks;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            clicks = body.RootElement.ValueKind == JsonValueKind.Array
                ? body.RootElement.Deserialize<Click[]>(Json)!
                : [body.RootElement.Deserialize<Click>(Json)!];
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new { error = $"The body is not a click or an array of clicks: {e.Message}" });
        }
        try
        {
            await pipeline.Clicks.WriteAsync(clicks, cancellationToken);
        }
        catch (ArgumentException e)
        {
            return Results.BadRequest(new { error = e.Message });
        }
        return Results.Accepted(value: new { accepted = clicks.Length });
    }

    /// <summary><c>GET /users/{id}/count</c>: the user's clicks so far, from the running count's last committed epoch (0 for a user never seen; 503 when the state
    /// does not answer within the lookup's patience).</summary>
    public static async Task<IResult> GetCountAsync(string id, ClickPipeline pipeline)
    {
        Row? row;
        try
        {
            row = await pipeline.Totals.LookupAsync(id);
        }
        catch (InvalidOperationException) when (pipeline.Totals.IsActive)
        {
            // A running query refuses lookups only until its first epoch commits: nobody has clicked yet.
            row = null;
        }
        catch (TimeoutException)
        {
            // A state partition answers between epochs; one that stays in its first epoch since it was activated (hung) does not.
            return Results.Problem("The counts did not answer in time. Retry later.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return Results.Ok(new { user = id, clicks = row?.Get<long>("clicks") ?? 0 });
    }

    /// <summary>
    /// <c>GET /updates</c>: server-sent events, one <c>data:</c> line per changed (window, user) row of each committed epoch,
    /// until the client goes away.
    /// </summary>
    public static async Task StreamUpdatesAsync(HttpContext context, ClickPipeline pipeline)
    {
        var cancellationToken = context.RequestAborted;
        // Subscribed before the headers go out: a client that saw them gets every epoch committed after.
        await using var subscription = await pipeline.Windows.SubscribeAsync(cancellationToken);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        try
        {
            await foreach (var change in subscription.WithCancellation(cancellationToken))
            {
                foreach (var row in change.Rows)
                {
                    var window = row.Get<Row>("window");
                    var update = new WindowCount(change.BatchId, row.Get<string>("user"), window.Get<DateTime>("start"), window.Get<DateTime>("end"), row.Get<long>("clicks"));
                    await response.WriteAsync($"data: {JsonSerializer.Serialize(update, Json)}\n\n", cancellationToken);
                }
                await response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client disconnected: the subscription is disposed on the way out.
        }
    }

    /// <summary>One server-sent event: a user's count in one window, as of epoch <paramref name="BatchId"/>.</summary>
    public sealed record WindowCount(long BatchId, string User, DateTime WindowStart, DateTime WindowEnd, long Clicks);
}
