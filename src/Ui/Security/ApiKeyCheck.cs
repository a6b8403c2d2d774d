using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using OrleansStream.Ui.Hosting;

namespace OrleansStream.Ui.Security;

/// <summary>
/// Guards the endpoints that change something (stopping a query): they need the configured <see cref="UiOptions.ApiKey"/> in the
/// <c>X-Api-Key</c> header. No key configured, they are refused outright. A custom header also keeps other sites' pages from
/// posting to them (a cross-origin request with it needs a CORS preflight, which the UI never grants).
/// </summary>
internal static class ApiKeyCheck
{
    public const string Header = "X-Api-Key";

    /// <summary>The refusal to answer, or null when the request carries the key.</summary>
    public static IResult? Refusal(HttpContext context, UiOptions options)
    {
        if (options.ApiKey is not { Length: > 0 } key)
            return Results.Problem("Stopping queries from the UI is off: this silo has no API key (set OrleansStream__Ui__ApiKey).", statusCode: StatusCodes.Status403Forbidden);
        if (!context.Request.Headers.TryGetValue(Header, out var given) || given.Count != 1 || string.IsNullOrEmpty(given[0]))
            return Results.Problem($"This endpoint needs the silo's API key in the {Header} header.", statusCode: StatusCodes.Status401Unauthorized);
        // Hashes of equal length, so that the comparison takes as long whatever the key given.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given[0]!)), SHA256.HashData(Encoding.UTF8.GetBytes(key))) ? null
            : Results.Problem($"The {Header} header does not carry this silo's API key.", statusCode: StatusCodes.Status403Forbidden);
    }
}
