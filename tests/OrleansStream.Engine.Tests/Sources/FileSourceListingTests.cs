using OrleansStream.Engine.Sources;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Sources;

public class FileSourceListingTests
{
    private static string Make(TempDir dir, string name, int minutesAgo)
    {
        var p = dir.File(name, name);
        File.SetLastWriteTimeUtc(p, new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc).AddMinutes(-minutesAgo));
        return p;
    }

    [Fact]
    public void Lists_new_files_oldest_first_skipping_hidden_and_in_progress()
    {
        using var dir = new TempDir();
        var c = Make(dir, "c.json", 30);
        var a = Make(dir, "a.json", 10);
        var b = Make(dir, "b.json", 10);
        var d = Make(dir, "d.csv", 5);
        Make(dir, ".hidden.json", 50);
        Make(dir, "_SUCCESS", 50);
        Make(dir, "e.json.tmp", 50);
        Make(dir, "f.json.crc", 50);
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));

        var all = new FileSourceListing(dir.Path).NextBatch(new HashSet<string>());
        Assert.Equal([c, a, b, d], all.Select(f => f.Path));
        Assert.Equal(6, all[0].Length);

        var onlyJson = new FileSourceListing(dir.Path, "json").NextBatch(new HashSet<string> { a });
        Assert.Equal([c, b], onlyJson.Select(f => f.Path));
    }

    [Fact]
    public void MaxFilesPerTrigger_and_latestFirst()
    {
        using var dir = new TempDir();
        var f1 = Make(dir, "1.txt", 40);
        var f2 = Make(dir, "2.txt", 30);
        var f3 = Make(dir, "3.txt", 20);
        var f4 = Make(dir, "4.txt", 10);
        var seen = new HashSet<string>();
        var listing = FileSourceListing.FromOptions(new Dictionary<string, string> { ["PATH"] = dir.Path, ["maxFilesPerTrigger"] = "2" });
        var first = listing.NextBatch(seen);
        Assert.Equal([f1, f2], first.Select(f => f.Path));
        foreach (var f in first) seen.Add(f.Path);
        Assert.Equal([f3, f4], listing.NextBatch(seen).Select(f => f.Path));
        foreach (var f in listing.NextBatch(seen)) seen.Add(f.Path);
        Assert.Empty(listing.NextBatch(seen));

        var latest = new FileSourceListing(dir.Path, maxFilesPerTrigger: 3, latestFirst: true).NextBatch(new HashSet<string> { f4 });
        Assert.Equal([f3, f2, f1], latest.Select(f => f.Path));
    }

    [Fact]
    public void Missing_directory_has_no_files_but_missing_path_option_is_an_error()
    {
        Assert.Empty(new FileSourceListing(Path.Combine(Path.GetTempPath(), "does-not-exist-" + Guid.NewGuid())).NextBatch(new HashSet<string>()));
        var e = Assert.Throws<ArgumentException>(() => FileSourceListing.FromOptions(new Dictionary<string, string>()));
        Assert.Contains("'path'", e.Message);
        var bad = Assert.Throws<ArgumentException>(() => FileSourceListing.FromOptions(new Dictionary<string, string> { ["path"] = "/x", ["maxFilesPerTrigger"] = "0" }));
        Assert.Contains("maxFilesPerTrigger", bad.Message);
    }
}

public class FileSourceAdmissionTests
{
    [Fact]
    public void Max_bytes_bounds_a_batch_after_its_first_file_and_counts_the_files_left()
    {
        var dir = Path.Combine(Path.GetTempPath(), "os-admit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            foreach (var (name, size) in new[] { ("a", 100), ("b", 100), ("c", 500), ("d", 10) })
            {
                var path = Path.Combine(dir, name);
                File.WriteAllBytes(path, new byte[size]);
                File.SetLastWriteTimeUtc(path, at = at.AddSeconds(1));
            }
            var listing = new OrleansStream.Engine.Sources.FileSourceListing(dir);
            var seen = new HashSet<string>();
            Assert.Equal(["a", "b"], listing.NextBatch(seen, 250, out var left).Select(f => Path.GetFileName(f.Path)));
            Assert.Equal(2, left);
            seen.UnionWith(new[] { "a", "b" }.Select(n => Path.Combine(dir, n)));
            // A file larger than the limit still goes in alone: an epoch always makes progress.
            Assert.Equal(["c"], listing.NextBatch(seen, 250, out left).Select(f => Path.GetFileName(f.Path)));
            Assert.Equal(1, left);
            Assert.Equal(4, listing.NextBatch(new HashSet<string>(), null, out left).Count);
            Assert.Equal(0, left);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
