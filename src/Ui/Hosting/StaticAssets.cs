using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace OrleansStream.Ui.Hosting;

/// <summary>
/// Serves the pages, scripts and the vendored charting library embedded in this assembly (wwwroot), so the package carries
/// them and nothing is fetched from outside. The pages load only from this origin (Content-Security-Policy).
/// </summary>
internal static class StaticAssets
{
    private const string Policy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
    private static readonly EmbeddedFileProvider Files = new(typeof(StaticAssets).Assembly, "OrleansStream.Ui.wwwroot");
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect("/index.html"));
        app.MapGet("/{**path}", (string path, HttpContext context) =>
        {
            var file = Files.GetFileInfo(path);
            if (!file.Exists || !ContentTypes.TryGetContentType(path, out var type)) return Results.NotFound();
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers.ContentSecurityPolicy = Policy;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Stream(file.CreateReadStream(), type);
        });
    }
}
