namespace OrleansStream.Grains.Placement;

/// <summary>Places a grain on the silo its key names (<c>SiloAddress.ToParsableString()</c>): a per-silo question, such as
/// which user code that silo can run, is asked of a grain living there.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.SiloTargetedPlacement")]
public sealed class SiloTargetedPlacement : PlacementStrategy
{
    internal static readonly SiloTargetedPlacement Instance = new();
}
