namespace OrleansStream.Grains.Execution;

/// <summary>
/// References to string-keyed grains for the calls every epoch makes (source tasks, state partitions, sinks, the catalog).
/// <c>GetGrain&lt;T&gt;(key)</c> resolves the interface's grain interface type from its attributes on every call
/// (<c>AttributeGrainInterfaceTypeProvider</c>, uncached in Orleans 10): 1.5% of q12's CPU over its many small calls.
/// Here the first reference of an interface tells its grain type and interface type, and every later one is
/// built from them and the key, as Orleans builds it: the same grain id, the same interface, the same reference.
/// </summary>
internal static class GrainReferences
{
    /// <summary>The reference <c>grains.GetGrain&lt;T&gt;(key)</c> returns.</summary>
    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey => Of<T>.Get(grains, key);

    private static class Of<T> where T : IGrainWithStringKey
    {
        // A class, so that threads that race on the first reference publish one whole pair (a struct could tear).
        private sealed record Types(GrainType Grain, GrainInterfaceType Interface);

        private static Types? _types;

        public static T Get(IGrainFactory grains, string key)
        {
            if (_types is { } types) return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
            var first = grains.GetGrain<T>(key);
            var reference = (GrainReference)(object)first;
            _types = new Types(reference.GrainId.Type, reference.InterfaceType);
            return first;
        }
    }
}
