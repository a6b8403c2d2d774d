namespace OrleansStream.Interfaces.Hosting;

/// <summary>
/// The user code one silo can run (DESIGN.md §7), keyed by the silo's address (<c>SiloAddress.ToParsableString()</c>) and
/// placed on that silo: a query is refused at start when a silo of the cluster lacks its code.
/// </summary>
[Alias("OrleansStream.ISiloCodeCatalogGrain")]
public interface ISiloCodeCatalogGrain : IGrainWithStringKey
{
    /// <summary>The stateful processor types (assembly-qualified) among <paramref name="typeNames"/> this silo cannot create.</summary>
    [Alias("MissingProcessors")] Task<List<string>> MissingProcessorsAsync(List<string> typeNames);

    /// <summary>The silo's name and address, for refusals.</summary>
    [Alias("SiloName")] Task<string> SiloNameAsync();
}
