namespace OrleansStream.Interfaces.Queries;

/// <summary>
/// Normalises checkpoint locations on the silo, which knows the data directory: "ck", "ck/", "./ck" and the absolute path
/// of the same folder are one checkpoint, and so one query.
/// </summary>
[Alias("OrleansStream.ICheckpointLocationGrain")]
public interface ICheckpointLocationGrain : IGrainWithIntegerKey
{
    /// <summary>The canonical form of <paramref name="location"/>, which keys the query's grains.</summary>
    /// <exception cref="ArgumentException">The location is empty or a relative one escapes the checkpoint root.</exception>
    [Alias("Resolve")] Task<string> ResolveAsync(string location);
}
