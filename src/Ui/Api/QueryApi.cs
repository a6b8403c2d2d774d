using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OrleansStream.Engine.Telemetry;
using OrleansStream.Interfaces.Queries;
using OrleansStream.Ui.Hosting;
using OrleansStream.Ui.Security;

namespace OrleansStream.Ui.Api;

/// <summary>
/// The UI's JSON endpoints over the cluster's query catalog: <c>GET /api/queries</c> (active and completed),
/// <c>GET /api/queries/{id}</c> (one query, by id or name) and <c>POST /api/queries/{id}/stop</c> (needs the API key).
/// </summary>
internal static class QueryApi
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/queries", async (IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var queries = await Catalog(grains).ListAsync().WaitAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var summaries = queries.Select(q => QuerySummary.Of(q, now)).ToList();
            return Results.Json(new
            {
                Active = summaries.Where(q => q.Status == QueryCatalogStatus.Active),
                Completed = summaries.Where(q => q.Status != QueryCatalogStatus.Active),
            });
        });

        app.MapGet("/api/queries/{id}", async (string id, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken) =>
            await Catalog(grains).FindAsync(id).WaitAsync(cancellationToken) is { } entry
                ? Results.Json(QueryDetail.Of(entry, time.GetUtcNow().UtcDateTime))
                : NotFound(id));

        app.MapPost("/api/queries/{id}/stop", async (string id, HttpContext context, UiOptions options, IGrainFactory grains, CancellationToken cancellationToken) =>
        {
            if (ApiKeyCheck.Refusal(context, options) is { } refusal) return refusal;
            if (await Catalog(grains).FindAsync(id).WaitAsync(cancellationToken) is not { } entry) return NotFound(id);
            // As StreamingQuery.stop: the running epoch finishes first; stopping an ended query does nothing.
            await grains.GetGrain<IStreamingQueryGrain>(entry.CheckpointLocation).StopAsync(cancellationToken).WaitAsync(cancellationToken);
            return Results.Json(new { entry.Id, Stopped = true });
        });
    }

    private static IQueryCatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<IQueryCatalogGrain>(IQueryCatalogGrain.ClusterKey);

    private static IResult NotFound(string id) =>
        Results.Problem($"No query of the cluster has the id or name '{SecretRedactor.Redact(id)}'.", statusCode: StatusCodes.Status404NotFound);
}
