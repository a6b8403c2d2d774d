using System.Globalization;

namespace OrleansStream.Engine.State.Reading;

/// <summary>
/// The options of <c>Read.Format("statestore")</c> and <c>Read.Format("state-metadata")</c>, with Spark's names and
/// defaults (StateSourceOptions.scala): the checkpoint location ("path", as <c>Load(path)</c> sets it), <c>batchId</c>
/// (default: the last committed), <c>operatorId</c> (default 0), <c>storeName</c> (default "default"), <c>joinSide</c>
/// (left, right or none), <c>stateVarName</c> (a transformWithState variable), <c>readRegisteredTimers</c> and
/// <c>flattenCollectionTypes</c> (default true).
/// </summary>
public sealed record StateSourceOptions
{
    /// <summary>The option naming the checkpoint location.</summary>
    public const string PathOption = "path";

    /// <summary>The default (and only) store name of an operator.</summary>
    public const string DefaultStoreName = "default";

    /// <summary>The checkpoint location, as the query was given it.</summary>
    public required string CheckpointLocation { get; init; }

    /// <summary>The batch to read, or null for the last committed one.</summary>
    public long? BatchId { get; init; }

    /// <summary>The stateful operator, numbered from 0 in plan order as the state-metadata source lists them.</summary>
    public int OperatorId { get; init; }

    /// <summary>The store of the operator.</summary>
    public string StoreName { get; init; } = DefaultStoreName;

    /// <summary>The side of a stream-stream join to read: "left", "right" or "none" (not given).</summary>
    public string JoinSide { get; init; } = "none";

    /// <summary>The transformWithState state variable to read, or null.</summary>
    public string? StateVarName { get; init; }

    /// <summary>Read a transformWithState operator's timers instead of a variable.</summary>
    public bool ReadRegisteredTimers { get; init; }

    /// <summary>One row per list element or map entry (true) or one row per key with the whole list or map (false).</summary>
    public bool FlattenCollectionTypes { get; init; } = true;

    /// <summary>Parses and checks <paramref name="options"/> (case-insensitive names), in Spark's words when one is wrong.</summary>
    /// <exception cref="Plan.AnalysisException">An option is missing, malformed, negative or in conflict with another.</exception>
    public static StateSourceOptions Parse(IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? Get(string name) => options.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
        var path = Get(PathOption);
        if (string.IsNullOrWhiteSpace(path)) throw StateDataSourceErrors.RequiredOptionUnspecified(PathOption);
        var storeName = Get("storeName");
        if (storeName is not null && storeName.Trim().Length == 0) throw StateDataSourceErrors.IsEmpty("storeName");
        var joinSide = (Get("joinSide") ?? "none").Trim().ToLowerInvariant();
        if (joinSide is not ("left" or "right" or "none")) throw StateDataSourceErrors.InvalidOptionValue("joinSide", "Valid values are left,right,none");
        if (joinSide != "none" && storeName is not null) throw StateDataSourceErrors.ConflictOptions("joinSide", "storeName");
        var stateVarName = Get("stateVarName");
        if (stateVarName is not null && stateVarName.Trim().Length == 0) throw StateDataSourceErrors.IsEmpty("stateVarName");
        var timers = Bool(Get("readRegisteredTimers"), "readRegisteredTimers", false);
        if (timers && stateVarName is not null) throw StateDataSourceErrors.ConflictOptions("readRegisteredTimers", "stateVarName");
        if (stateVarName is not null && joinSide != "none") throw StateDataSourceErrors.ConflictOptions("joinSide", "stateVarName");
        return new StateSourceOptions
        {
            CheckpointLocation = path,
            BatchId = Long(Get("batchId"), "batchId"),
            OperatorId = (int)(Long(Get("operatorId"), "operatorId") is { } id ? (id > int.MaxValue ? throw StateDataSourceErrors.InvalidOptionValue("operatorId", "must be an integer") : id) : 0),
            StoreName = storeName ?? DefaultStoreName,
            JoinSide = joinSide,
            StateVarName = stateVarName,
            ReadRegisteredTimers = timers,
            FlattenCollectionTypes = Bool(Get("flattenCollectionTypes"), "flattenCollectionTypes", true),
        };
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{{checkpointLocation={CheckpointLocation}, batchId={(BatchId is { } b ? b.ToString(CultureInfo.InvariantCulture) : "last committed")}, operatorId={OperatorId}, storeName={StoreName}, joinSide={JoinSide}, stateVarName={StateVarName ?? "None"}, readRegisteredTimers={ReadRegisteredTimers}, flattenCollectionTypes={FlattenCollectionTypes}}}");

    private static long? Long(string? text, string name)
    {
        if (text is null) return null;
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw StateDataSourceErrors.InvalidOptionValue(name, $"'{text}' is not an integer");
        return value < 0 ? throw StateDataSourceErrors.IsNegative(name) : value;
    }

    private static bool Bool(string? text, string name, bool fallback) => text?.Trim().ToLowerInvariant() switch
    {
        null => fallback,
        "true" => true,
        "false" => false,
        _ => throw StateDataSourceErrors.InvalidOptionValue(name, $"'{text}' is not true or false"),
    };
}
