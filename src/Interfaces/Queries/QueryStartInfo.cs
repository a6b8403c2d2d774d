namespace OrleansStream.Interfaces.Queries;

/// <summary>The identity of a started run.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.QueryStartInfo")]
public sealed record QueryStartInfo([property: Id(0)] Guid Id, [property: Id(1)] Guid RunId, [property: Id(2)] string? Name);
