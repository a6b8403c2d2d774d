using System.Collections.Concurrent;

namespace OrleansStream.Benchmarks.Nexmark.Prebuilt;

/// <summary>The prebuilt tables of this process by name: the benchmark fills it, the <c>prebuilt</c> source reads from it.</summary>
public sealed class PrebuiltTables
{
    private readonly ConcurrentDictionary<string, PrebuiltTable> _tables = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers <paramref name="table"/> under <paramref name="name"/> (replacing a table of that name).</summary>
    public void Add(string name, PrebuiltTable table) => _tables[name] = table ?? throw new ArgumentNullException(nameof(table));

    /// <summary>Drops the table <paramref name="name"/>, so that its memory can be reclaimed.</summary>
    public void Remove(string name) => _tables.TryRemove(name, out _);

    /// <summary>The table <paramref name="name"/>.</summary>
    public PrebuiltTable Get(string name) => _tables.TryGetValue(name, out var table) ? table
        : throw new ArgumentException($"No prebuilt table '{name}' in this process (registered: {string.Join(", ", _tables.Keys.Order(StringComparer.Ordinal))}).");
}
