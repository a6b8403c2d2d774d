using System.Globalization;
using System.Text;

namespace OrleansStream.Cluster.Tests.Soak;

/// <summary>
/// The soak's input and its oracle. File f holds the events of [f*10 s, f*10 s + 10 s) in time order, users u0..u4 in
/// turn, every fourth a "view" (filtered out by the query); so, with the 5-second watermark, no event is ever late and
/// the expected windows do not depend on how epochs were cut.
/// </summary>
internal static class SoakInput
{
    public const int EventsPerFile = 40;
    public const int Users = 5;
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Writes file <paramref name="f"/> atomically into <paramref name="folder"/>.</summary>
    public static void Write(string folder, int f)
    {
        var text = new StringBuilder();
        foreach (var e in Events(f))
            text.Append(CultureInfo.InvariantCulture, $"{{\"user\":\"{e.User}\",\"action\":\"{e.Action}\",\"amount\":{e.Amount.ToString("0.00", CultureInfo.InvariantCulture)},\"ts\":\"{e.Ts:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}\n");
        var path = Path.Combine(folder, $"events-{f:D6}.json");
        File.WriteAllText(path + ".tmp", text.ToString());
        File.Move(path + ".tmp", path);
    }

    /// <summary>
    /// The windows the job's windowed query (count and sum of cents per user in 10-second windows, watermark 5 s, Append)
    /// must have emitted, exactly once each, after files 0..files-1: every window but the last file's, which the watermark
    /// (the last event time - 5 s) has not passed. As "HH:mm:ss user events cents", sorted.
    /// </summary>
    public static List<string> ExpectedWindows(int files) =>
        Enumerable.Range(0, files - 1)
            .SelectMany(f => Events(f).Where(e => e.Action != "view").GroupBy(e => e.User)
                .Select(g => Row(Start.AddSeconds(f * 10), g.Key, g.Count(), g.Sum(e => (long)(e.Amount * 100)))))
            .Order(StringComparer.Ordinal).ToList();

    public static string Row(DateTime windowStart, string user, long events, long cents) =>
        string.Create(CultureInfo.InvariantCulture, $"{windowStart:HH:mm:ss} {user} {events} {cents}");

    private static IEnumerable<(string User, string Action, double Amount, DateTime Ts)> Events(int f) =>
        Enumerable.Range(0, EventsPerFile).Select(i => (
            $"u{i % Users}",
            i % 4 == 0 ? "view" : "buy",
            (f * 7 + i * 13) % 500 / 4.0,
            Start.AddSeconds(f * 10).AddMilliseconds(i * (10_000 / EventsPerFile))));
}
