using System.Text.RegularExpressions;

namespace OrleansStream.Ui.Security;

/// <summary>
/// Masks credentials in text the UI shows (an error message, a plan, a checkpoint location): the values of connection-string
/// keys (AccountKey, SharedAccessKey, Password, ...) and of a SAS token's signature. Text without them is returned unchanged.
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "***";

    public static string? Redact(string? text) => text is null ? null : Secret().Replace(text, m => m.Groups["name"].Value + "=" + Mask);

    [GeneratedRegex(@"(?<name>\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|sig|ApiKey|AccessKey|SecretKey|Token))\s*=\s*(?<value>[^;&\s""']+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();
}
