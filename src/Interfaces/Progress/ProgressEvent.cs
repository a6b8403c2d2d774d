namespace OrleansStream.Interfaces.Progress;

/// <summary>
/// An epoch's progress as the trigger hands it to the query's client: Spark's progress JSON, and, within the trigger's own
/// process, the progress object the JSON was written from. The object is not serialized: a client in another process
/// reads the JSON; a client in the silo's process (the type is immutable, so Orleans passes it by reference) takes the
/// object and does not parse back what was just written.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.ProgressEvent")]
public sealed class ProgressEvent
{
    [NonSerialized]
    private readonly StreamingQueryProgress? _progress;

    /// <summary>Progress as <paramref name="json"/>, written from <paramref name="progress"/> when given.</summary>
    public ProgressEvent(string json, StreamingQueryProgress? progress = null)
    {
        Json = json;
        _progress = progress;
    }

    /// <summary>Spark's progress JSON.</summary>
    [Id(0)] public string Json { get; }

    /// <summary>The progress: the object the JSON was written from when this event did not leave its process, else the JSON read.</summary>
    public StreamingQueryProgress Progress => _progress ?? StreamingQueryProgress.FromJson(Json);
}
