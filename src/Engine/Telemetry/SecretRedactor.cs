using System.Text.RegularExpressions;

namespace OrleansStream.Engine.Telemetry;

/// <summary>
/// Masks credentials in text that leaves the engine for people (an error message in a log or the query catalog, a plan, a
/// checkpoint location on a page): the values of connection-string keys (AccountKey, SharedAccessKey, Password, ...) and of
/// a SAS token's signature. Text without them is returned unchanged.
/// </summary>
public static partial class SecretRedactor
{
    /// <summary>What a secret's value is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>The text with every credential's value masked; null for null.</summary>
    public static string? Redact(string? text) => text is null ? null : Secret().Replace(text, m => m.Groups["name"].Value + "=" + Mask);

    [GeneratedRegex(@"(?<name>\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|sig|ApiKey|AccessKey|SecretKey|Token))\s*=\s*(?<value>[^;&\s""']+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();
}
