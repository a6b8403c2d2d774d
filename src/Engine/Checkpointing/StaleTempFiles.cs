namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Removes the temp files that a killed process left behind (a file sink's file, or a checkpoint record that outgrew its
/// slots, is a temp file renamed into place; a kill between the two leaves the temp). Only files untouched for
/// <see cref="Age"/> go, so that a write in progress in another process sharing the folder is never pulled from under it.
/// </summary>
public static class StaleTempFiles
{
    /// <summary>How long a temp file must be untouched to count as left behind.</summary>
    public static readonly TimeSpan Age = TimeSpan.FromMinutes(10);

    /// <summary>Deletes the files of <paramref name="directory"/> matching <paramref name="pattern"/> last written before now - <see cref="Age"/>; returns how many.</summary>
    public static int Remove(string directory, string pattern, DateTime utcNow)
    {
        if (!Directory.Exists(directory)) return 0;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, pattern))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) > utcNow - Age) continue;
                File.Delete(file);
                removed++;
            }
            catch (IOException)
            {
                // Another process removed or renamed it first.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to remove.
            }
        }
        return removed;
    }
}
