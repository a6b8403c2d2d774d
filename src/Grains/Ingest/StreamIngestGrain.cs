using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Apache.Arrow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansStream.Interfaces.Ingest;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Ingest;

/// <summary>
/// Bridges an Orleans stream of a bound namespace into its ingest: each item becomes one append to the ingest partition the
/// stream's key hashes to, and the next item is taken only once the append is durable, so a slow log slows the stream's
/// delivery instead of losing items. The stream's sequence tokens name the appends, so an item the provider delivers again
/// is stored once.
/// </summary>
[ImplicitStreamSubscription(typeof(BoundNamespacesPattern))]
internal sealed partial class StreamIngestGrain(IOptions<StreamIngestOptions> options, ILogger<StreamIngestGrain> logger)
    : Grain, IStreamIngestGrain, IStreamSubscriptionObserver
{
    private static readonly ConcurrentDictionary<(Type, string), Func<object, object?>?[]> Mappers = new();

    private ILogger Logger => logger;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        var streamNamespace = handleFactory.StreamId.GetNamespace() ?? "";
        if (options.Value.Find(handleFactory.ProviderName, streamNamespace) is not { } binding) return;
        var stream = new StreamAppender(this, binding, handleFactory.StreamId.GetKeyAsString());
        await handleFactory.Create<object>().ResumeAsync(stream.OnNextAsync);
    }

    private sealed class StreamAppender(StreamIngestGrain grain, StreamIngestBinding binding, string key)
    {
        // Without sequence tokens an item cannot be named across activations: this activation's own id keeps its numbers apart.
        private readonly string _untokenedProducer = $"{binding.Provider}/{binding.Namespace}/{key}/{Guid.NewGuid():N}";
        private readonly string _producer = $"{binding.Provider}/{binding.Namespace}/{key}";
        private Schema? _schema;
        private IIngestGrain? _partition;
        private long _untokened;

        public async Task OnNextAsync(object item, StreamSequenceToken? token)
        {
            if (_partition is null)
            {
                var description = await grain.GrainFactory.GetGrain<IIngestCatalogGrain>(binding.Ingest)
                    .DeclareAsync(new IngestDescription(binding.Ingest, binding.SchemaDdl, binding.Partitions, TimeSpan.FromMilliseconds(binding.Declaration.RetentionMs)));
                _schema = DataTypes.ParseSchema(description.SchemaDdl);
                var partition = (int)((uint)StableHash(key) % (uint)description.Partitions);
                _partition = grain.GrainFactory.GetGrain<IIngestGrain>($"{binding.Ingest}/{partition.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }
            var (producer, sequence) = token is null ? (_untokenedProducer, ++_untokened) : (_producer, (token.SequenceNumber << 20) + token.EventIndex);
            try
            {
                await _partition.AppendAsync(new IngestBatch(producer, sequence, ToArrowIpc(item, _schema!)));
            }
            catch (ArgumentException e)
            {
                // A bad item is refused alone: the stream goes on with the next one.
                LogWarningItemRefused(grain.Logger, e, binding.Provider, binding.Namespace, key, e.Message);
            }
        }
    }

    private static byte[] ToArrowIpc(object item, Schema schema) => item switch
    {
        byte[] arrowIpc => arrowIpc,
        object?[] row => ArrowIpc.Serialize(ArrowValues.FromRows(schema, [row])),
        IEnumerable<object?[]> rows => ArrowIpc.Serialize(ArrowValues.FromRows(schema, rows.ToList())),
        IEnumerable records and not string => ArrowIpc.Serialize(ArrowValues.FromRows(schema, records.Cast<object>().Select(r => Map(r, schema)).ToList())),
        _ => ArrowIpc.Serialize(ArrowValues.FromRows(schema, [Map(item, schema)])),
    };

    private static object?[] Map(object record, Schema schema)
    {
        var getters = Mappers.GetOrAdd((record.GetType(), DataTypes.ToDdl(schema)), k =>
        {
            var properties = k.Item1.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            return schema.FieldsList.Select(f => properties.FirstOrDefault(p => string.Equals(p.Name, f.Name, StringComparison.OrdinalIgnoreCase)) is { } p
                ? (Func<object, object?>)p.GetValue : null).ToArray();
        });
        var row = new object?[getters.Length];
        for (int c = 0; c < row.Length; c++) row[c] = getters[c]?.Invoke(record);
        return row;
    }

    // string.GetHashCode differs between processes; the partition of a stream must not.
    private static int StableHash(string key)
    {
        unchecked
        {
            int hash = (int)2166136261;
            foreach (var c in key) hash = (hash ^ c) * 16777619;
            return hash;
        }
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Orleans stream {Provider}/{Namespace}/{Key}: an item was refused and skipped: {Reason}")]
    private static partial void LogWarningItemRefused(ILogger logger, Exception exception, string provider, string @namespace, string key, string reason);
}
