namespace OrleansStream.Testing;

/// <summary>Renders result rows as short sorted strings so that a scenario's expected table reads like the semantics.</summary>
public static class Scenario
{
    /// <summary>"start-end:v1:v2" per row, with the window's bounds as seconds since the Unix epoch.</summary>
    public static string[] Windows(IReadOnlyList<Row> rows, string windowColumn = "window") =>
        rows.Select(r =>
        {
            var window = r.Get<Row>(windowColumn);
            var rest = r.Values.Select((v, i) => (v, i)).Where(x => x.i != r.FieldIndex(windowColumn)).Select(x => Text(x.v));
            return string.Join(":", [$"{Seconds(window[0])}-{Seconds(window[1])}", .. rest]);
        }).Order(StringComparer.Ordinal).ToArray();

    /// <summary>"v1:v2:..." per row, sorted.</summary>
    public static string[] Plain(IReadOnlyList<Row> rows) =>
        rows.Select(r => Values(r.Values)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>One row's values as <see cref="Plain"/> renders them: "v1:v2:...".</summary>
    public static string Values(IEnumerable<object?> values) => string.Join(":", values.Select(Text));

    private static string Seconds(object? time) => time is DateTime t ? ((long)(t - DateTime.UnixEpoch).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";

    private static string Text(object? v) => v switch
    {
        null => "null",
        DateTime t => Seconds(t),
        double d => d.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
