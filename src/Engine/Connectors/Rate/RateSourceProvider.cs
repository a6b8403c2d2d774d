using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Connectors.Rate;

/// <summary>Spark's <c>rate</c> and <c>rate-micro-batch</c> sources (see <see cref="RateStreamSource"/>).</summary>
public sealed class RateSourceProvider : ISourceProvider
{
    /// <summary>The schema of both: timestamp, value.</summary>
    public static readonly Schema RateSchema = new Schema.Builder()
        .Field(f => f.Name("timestamp").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(false))
        .Field(f => f.Name("value").DataType(Int64Type.Default).Nullable(false))
        .Build();

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["rate", "rate-micro-batch"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context) => RateSchema;

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        return new RateStreamSource(source.Format.Equals("rate-micro-batch", StringComparison.OrdinalIgnoreCase), source.Options, context.Time, context.MemoryBudgetBytes);
    }
}
