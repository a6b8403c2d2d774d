namespace OrleansStream.Engine.Checkpointing;

/// <summary>Validation of checkpoint keys, shared by every store backend.</summary>
public static class CheckpointKeys
{
    /// <summary>Throws when <paramref name="key"/> is not a valid relative '/'-separated key.</summary>
    /// <exception cref="ArgumentException">The key is empty, rooted, has a backslash, a ".." segment, an empty segment or a control character.</exception>
    public static void Validate(string key)
    {
        if (string.IsNullOrEmpty(key)) throw new ArgumentException("A checkpoint key must not be empty.", nameof(key));
        if (key.Contains('\\')) throw new ArgumentException($"Checkpoint key '{key}' must use '/' separators, not backslashes.", nameof(key));
        if (key[0] == '/' || Path.IsPathRooted(key) || (key.Length > 1 && key[1] == ':'))
            throw new ArgumentException($"Checkpoint key '{key}' must be a relative path.", nameof(key));
        // Every write validates its key: the segments are read in place, not split into strings.
        foreach (var range in key.AsSpan().Split('/'))
        {
            var segment = key.AsSpan(range);
            if (segment.Length == 0) throw new ArgumentException($"Checkpoint key '{key}' has an empty segment.", nameof(key));
            if (segment is ".." or ".") throw new ArgumentException($"Checkpoint key '{key}' must not contain '.' or '..' segments.", nameof(key));
        }
        foreach (var c in key)
            if (char.IsControl(c)) throw new ArgumentException($"Checkpoint key '{key}' contains a control character.", nameof(key));
    }

    /// <summary>Throws when <paramref name="prefix"/> is not a valid list prefix ("" or a key prefix, possibly ending with '/').</summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0) return;
        Validate(prefix.EndsWith('/') ? prefix[..^1] : prefix);
    }
}
