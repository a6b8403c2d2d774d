namespace OrleansStream.Engine.Connectors.Files;

/// <summary>The full path of a file connector's 'path' option.</summary>
internal static class DataPath
{
    public static string Of(IReadOnlyDictionary<string, string> options, string optionName = "path")
    {
        string? path = null;
        foreach (var (key, value) in options)
            if (key.Equals(optionName, StringComparison.OrdinalIgnoreCase)) path = value;
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"Option '{optionName}' must be set to a directory.");
        return Path.GetFullPath(path);
    }
}
