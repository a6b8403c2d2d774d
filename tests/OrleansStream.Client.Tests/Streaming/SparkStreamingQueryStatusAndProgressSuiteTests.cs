using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// Spark's StreamingQueryStatusAndProgressSuite (and StreamingDeduplicationSuite's SPARK-35880), their expected JSON and values
/// ported. Spark's observedMetrics (Dataset.observe) has no counterpart here, so it is left out of the expected JSON.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SparkStreamingQueryStatusAndProgressSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static readonly Guid Id1 = Guid.Parse("2cd6d37c-0f5a-4b2d-9c5b-6e3a1d0f2a10");
    private static readonly Guid RunId1 = Guid.Parse("6c1a2f0e-5b44-4d8e-8a3e-0f6b1c2d3e4f");

    private static JsonElement Offset(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    // Spark's testProgress1.
    private static StreamingQueryProgress TestProgress1 => new()
    {
        Id = Id1,
        RunId = RunId1,
        Name = "myName",
        Timestamp = "2016-12-05T20:54:20.827Z",
        BatchId = 2,
        BatchDuration = 0,
        NumInputRows = 678,
        InputRowsPerSecond = 10.0,
        ProcessedRowsPerSecond = double.PositiveInfinity,
        DurationMs = new() { ["total"] = 0 },
        EventTime = new()
        {
            ["avg"] = "2016-12-05T20:54:20.827Z", ["max"] = "2016-12-05T20:54:20.827Z",
            ["min"] = "2016-12-05T20:54:20.827Z", ["watermark"] = "2016-12-05T20:54:20.827Z",
        },
        StateOperators =
        [
            new StateOperatorProgress
            {
                OperatorName = "op1", NumRowsTotal = 0, NumRowsUpdated = 1, AllUpdatesTimeMs = 1, NumRowsRemoved = 2, AllRemovalsTimeMs = 34,
                CommitTimeMs = 23, MemoryUsedBytes = 3, NumRowsDroppedByWatermark = 0, NumShufflePartitions = 2, NumStateStoreInstances = 2,
                CustomMetrics = new() { ["loadedMapCacheHitCount"] = 1, ["loadedMapCacheMissCount"] = 0, ["stateOnCurrentVersionSizeBytes"] = 2 },
            },
        ],
        Sources =
        [
            new SourceProgress
            {
                Description = "source", StartOffset = Offset("123"), EndOffset = Offset("456"), LatestOffset = Offset("789"),
                NumInputRows = 678, InputRowsPerSecond = 10.0,
            },
        ],
        Sink = new SinkProgress { Description = "sink", NumOutputRows = -1 },
    };

    // Spark's testProgress2: unnamed, rates unknown (NaN), no event time, no custom metrics.
    private static StreamingQueryProgress TestProgress2 => new()
    {
        Id = Id1,
        RunId = RunId1,
        Name = null,
        Timestamp = "2016-12-05T20:54:20.827Z",
        BatchId = 2,
        BatchDuration = 0,
        NumInputRows = 678,
        InputRowsPerSecond = double.NaN,
        ProcessedRowsPerSecond = double.NaN,
        DurationMs = new() { ["total"] = 0 },
        StateOperators =
        [
            new StateOperatorProgress
            {
                OperatorName = "op2", NumRowsTotal = 0, NumRowsUpdated = 1, AllUpdatesTimeMs = 1, NumRowsRemoved = 2, AllRemovalsTimeMs = 34,
                CommitTimeMs = 23, MemoryUsedBytes = 2, NumRowsDroppedByWatermark = 0, NumShufflePartitions = 2, NumStateStoreInstances = 2,
            },
        ],
        Sources =
        [
            new SourceProgress
            {
                Description = "source", StartOffset = Offset("123"), EndOffset = Offset("456"), LatestOffset = Offset("789"),
                NumInputRows = 678, InputRowsPerSecond = double.NaN, ProcessedRowsPerSecond = double.NaN,
            },
        ],
        Sink = new SinkProgress { Description = "sink", NumOutputRows = -1 },
    };

    /// <summary>The JSON with its keys in order and numbers compared by value (Spark writes 10.0 where .NET writes 10).</summary>
    private static string Canonical(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var text = new StringBuilder();
        Write(doc.RootElement);
        return text.ToString();

        void Write(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    text.Append('{');
                    var first = true;
                    foreach (var p in e.EnumerateObject())
                    {
                        if (!first) text.Append(',');
                        first = false;
                        text.Append('"').Append(p.Name).Append("\":");
                        Write(p.Value);
                    }
                    text.Append('}');
                    break;
                case JsonValueKind.Array:
                    text.Append('[');
                    var firstItem = true;
                    foreach (var item in e.EnumerateArray())
                    {
                        if (!firstItem) text.Append(',');
                        firstItem = false;
                        Write(item);
                    }
                    text.Append(']');
                    break;
                case JsonValueKind.Number:
                    text.Append(e.GetDouble().ToString("R", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(e.GetRawText());
                    break;
            }
        }
    }

    [Fact]
    public void StreamingQueryProgress_PrettyJson()
    {
        Assert.Equal(Canonical($$"""
            {
              "id" : "{{Id1}}",
              "runId" : "{{RunId1}}",
              "name" : "myName",
              "timestamp" : "2016-12-05T20:54:20.827Z",
              "batchId" : 2,
              "batchDuration" : 0,
              "numInputRows" : 678,
              "inputRowsPerSecond" : 10.0,
              "durationMs" : {
                "total" : 0
              },
              "eventTime" : {
                "avg" : "2016-12-05T20:54:20.827Z",
                "max" : "2016-12-05T20:54:20.827Z",
                "min" : "2016-12-05T20:54:20.827Z",
                "watermark" : "2016-12-05T20:54:20.827Z"
              },
              "stateOperators" : [ {
                "operatorName" : "op1",
                "numRowsTotal" : 0,
                "numRowsUpdated" : 1,
                "allUpdatesTimeMs" : 1,
                "numRowsRemoved" : 2,
                "allRemovalsTimeMs" : 34,
                "commitTimeMs" : 23,
                "memoryUsedBytes" : 3,
                "numRowsDroppedByWatermark" : 0,
                "numShufflePartitions" : 2,
                "numStateStoreInstances" : 2,
                "customMetrics" : {
                  "loadedMapCacheHitCount" : 1,
                  "loadedMapCacheMissCount" : 0,
                  "stateOnCurrentVersionSizeBytes" : 2
                }
              } ],
              "sources" : [ {
                "description" : "source",
                "startOffset" : 123,
                "endOffset" : 456,
                "latestOffset" : 789,
                "numInputRows" : 678,
                "inputRowsPerSecond" : 10.0
              } ],
              "sink" : {
                "description" : "sink",
                "numOutputRows" : -1
              }
            }
            """), Canonical(TestProgress1.Json));

        Assert.Equal(Canonical($$"""
            {
              "id" : "{{Id1}}",
              "runId" : "{{RunId1}}",
              "name" : null,
              "timestamp" : "2016-12-05T20:54:20.827Z",
              "batchId" : 2,
              "batchDuration" : 0,
              "numInputRows" : 678,
              "durationMs" : {
                "total" : 0
              },
              "stateOperators" : [ {
                "operatorName" : "op2",
                "numRowsTotal" : 0,
                "numRowsUpdated" : 1,
                "allUpdatesTimeMs" : 1,
                "numRowsRemoved" : 2,
                "allRemovalsTimeMs" : 34,
                "commitTimeMs" : 23,
                "memoryUsedBytes" : 2,
                "numRowsDroppedByWatermark" : 0,
                "numShufflePartitions" : 2,
                "numStateStoreInstances" : 2
              } ],
              "sources" : [ {
                "description" : "source",
                "startOffset" : 123,
                "endOffset" : 456,
                "latestOffset" : 789,
                "numInputRows" : 678
              } ],
              "sink" : {
                "description" : "sink",
                "numOutputRows" : -1
              }
            }
            """), Canonical(TestProgress2.Json));
    }

    [Fact]
    public void StreamingQueryProgress_Json()
    {
        // Spark: compact(parse(json)) === json; here: reading the JSON back writes the same JSON.
        foreach (var progress in new[] { TestProgress1, TestProgress2 })
            Assert.Equal(progress.Json, StreamingQueryProgress.FromJson(progress.Json).Json);
    }

    [Fact]
    public void StreamingQueryProgress_ToString()
    {
        Assert.Equal(TestProgress1.Json, TestProgress1.ToString());
        Assert.Equal(TestProgress2.Json, TestProgress2.ToString());
    }

    [Fact]
    public void StreamingQueryProgress_JsonStringAndFromJson()
    {
        foreach (var input in new[] { TestProgress1, TestProgress2 })
        {
            var result = StreamingQueryProgress.FromJson(input.Json);
            Assert.Equal(input.Id, result.Id);
            Assert.Equal(input.RunId, result.RunId);
            Assert.Equal(input.Name, result.Name);
            Assert.Equal(input.Timestamp, result.Timestamp);
            Assert.Equal(input.BatchId, result.BatchId);
            Assert.Equal(input.BatchDuration, result.BatchDuration);
            Assert.Equal(input.DurationMs, result.DurationMs);
            Assert.Equal(input.EventTime, result.EventTime);
            foreach (var (o1, o2) in input.StateOperators.Zip(result.StateOperators))
            {
                Assert.Equal(o1.OperatorName, o2.OperatorName);
                Assert.Equal(o1.NumRowsTotal, o2.NumRowsTotal);
                Assert.Equal(o1.NumRowsUpdated, o2.NumRowsUpdated);
                Assert.Equal(o1.AllUpdatesTimeMs, o2.AllUpdatesTimeMs);
                Assert.Equal(o1.NumRowsRemoved, o2.NumRowsRemoved);
                Assert.Equal(o1.AllRemovalsTimeMs, o2.AllRemovalsTimeMs);
                Assert.Equal(o1.CommitTimeMs, o2.CommitTimeMs);
                Assert.Equal(o1.MemoryUsedBytes, o2.MemoryUsedBytes);
                Assert.Equal(o1.NumRowsDroppedByWatermark, o2.NumRowsDroppedByWatermark);
                Assert.Equal(o1.NumShufflePartitions, o2.NumShufflePartitions);
                Assert.Equal(o1.NumStateStoreInstances, o2.NumStateStoreInstances);
                Assert.Equal(o1.CustomMetrics, o2.CustomMetrics);
            }
            foreach (var (s1, s2) in input.Sources.Zip(result.Sources))
            {
                Assert.Equal(s1.Description, s2.Description);
                Assert.Equal(s1.StartOffset?.GetRawText(), s2.StartOffset?.GetRawText());
                Assert.Equal(s1.EndOffset?.GetRawText(), s2.EndOffset?.GetRawText());
                Assert.Equal(s1.LatestOffset?.GetRawText(), s2.LatestOffset?.GetRawText());
                Assert.Equal(s1.NumInputRows, s2.NumInputRows);
                if (double.IsNaN(s1.InputRowsPerSecond)) Assert.True(double.IsNaN(s2.InputRowsPerSecond));
                else Assert.Equal(s1.InputRowsPerSecond, s2.InputRowsPerSecond);
                if (double.IsNaN(s1.ProcessedRowsPerSecond)) Assert.True(double.IsNaN(s2.ProcessedRowsPerSecond));
                else if (double.IsFinite(s1.ProcessedRowsPerSecond)) Assert.Equal(s1.ProcessedRowsPerSecond, s2.ProcessedRowsPerSecond);
                Assert.Equal(s1.Metrics, s2.Metrics);
            }
            Assert.Equal(input.Sink.Description, result.Sink.Description);
            Assert.Equal(input.Sink.NumOutputRows, result.Sink.NumOutputRows);
        }
    }

    private static QueryStatus TestStatus => new() { Message = "active", IsDataAvailable = true, IsTriggerActive = false };

    [Fact]
    public void StreamingQueryStatus_PrettyJson()
    {
        Assert.Equal(Canonical("""
            {
              "message" : "active",
              "isDataAvailable" : true,
              "isTriggerActive" : false
            }
            """), Canonical(TestStatus.Json));
    }

    [Fact]
    public void StreamingQueryStatus_Json()
    {
        using var doc = JsonDocument.Parse(TestStatus.Json);
        Assert.Equal(TestStatus.Json, JsonSerializer.Serialize(doc.RootElement));
    }

    [Fact]
    public void StreamingQueryStatus_ToString() => Assert.Equal(TestStatus.Json, TestStatus.ToString());

    [Fact]
    public async Task ProgressClassesShouldBeSerializable()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().GroupBy(Col("value")).Agg(Count("*"))
            .WriteStream.QueryName("progress_serializable_test").Format("memory").OutputMode(OutputMode.Complete).StartAsync();
        try
        {
            await input.AddDataAsync(1, 2, 3);
            await query.ProcessAllAvailableAsync();

            var progress = query.RecentProgress;
            // Make sure it generates the progress objects we want to test
            Assert.Contains(progress, p => p.Sources.Count >= 1 && p.StateOperators.Count >= 1 && p.Sink is not null);
            foreach (var p in progress)
            {
                var copy = StreamingQueryProgress.FromJson(p.Json);
                Assert.NotSame(p, copy);
                Assert.Equal(p.Json, copy.Json);
            }
        }
        finally
        {
            await query.StopAsync();
        }
    }

    [Fact]
    public async Task Progress_HasSparksWholeShape()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().GroupBy(Col("value")).Agg(Count("*")).WriteStream.Format("memory")
            .QueryName("progress_whole_shape").OutputMode(OutputMode.Complete).Option("numStatePartitions", "3").StartAsync();
        try
        {
            await input.AddDataAsync(1, 2, 3);
            await query.ProcessAllAvailableAsync();
            var progress = query.LastProgress!;
            Assert.Equal(["addBatch", "checkpointStorageStall", "commitOffsets", "getBatch", "latestOffset", "queryPlanning", "triggerExecution", "walCommit"],
                progress.DurationMs.Keys);
            using var doc = JsonDocument.Parse(progress.Json);
            Assert.Equal(["operatorName", "numRowsTotal", "numRowsUpdated", "allUpdatesTimeMs", "numRowsRemoved", "allRemovalsTimeMs", "commitTimeMs",
                    "memoryUsedBytes", "numRowsDroppedByWatermark", "numShufflePartitions", "numStateStoreInstances", "customMetrics"],
                doc.RootElement.GetProperty("stateOperators")[0].EnumerateObject().Select(p => p.Name));
            Assert.Equal(3, progress.StateOperators[0].NumStateStoreInstances);
            Assert.Equal(3, progress.StateOperators[0].NumShufflePartitions);
        }
        finally
        {
            await query.StopAsync();
        }
    }

    [Fact]
    public async Task UnnamedQuery_WritesNameNull()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("noop").StartAsync();
        try
        {
            await input.AddDataAsync(1);
            await query.ProcessAllAvailableAsync();
            Assert.Contains("\"name\":null", query.LastProgress!.Json);
            Assert.Null(query.LastProgress.Name);
        }
        finally
        {
            await query.StopAsync();
        }
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Spark19378_ContinueReportingStateOpMetricsEvenIfThereIsNoActiveTrigger()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var inputData = session.CreateMemoryStream<int>();
        var query = await inputData.ToDF().Select(Col("value")).GroupBy(Col("value")).Agg(Count("*"))
            .WriteStream.QueryName("metric_continuity").Format("memory").OutputMode(OutputMode.Complete).StartAsync();
        try
        {
            await inputData.AddDataAsync(1, 2);
            await query.ProcessAllAvailableAsync();
            var progress = query.LastProgress!;
            Assert.NotEmpty(progress.StateOperators);

            // Idle for less than noDataProgressEventInterval (10 s by default): no progress event.
            clock.Advance(TimeSpan.FromSeconds(9));
            await query.ProcessAllAvailableAsync();
            Assert.Equal(progress.Timestamp, query.LastProgress!.Timestamp);

            // Once the interval has passed, an idle trigger reports progress carrying the state metrics.
            clock.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => query.LastProgress!.Timestamp != progress.Timestamp, "an idle progress event");
            var nextProgress = query.LastProgress!;
            Assert.Equal(0, nextProgress.NumInputRows);
            Assert.Equal(2, nextProgress.StateOperators[0].NumRowsTotal);
            Assert.Equal(0, nextProgress.StateOperators[0].NumRowsUpdated);
            Assert.Equal(0, nextProgress.Sink.NumOutputRows);
            Assert.Equal(progress.BatchId + 1, nextProgress.BatchId);
            Assert.Equal(["checkpointStorageStall", "latestOffset", "triggerExecution"], nextProgress.DurationMs.Keys);

            // And again every interval while the query stays idle, not more often.
            var count = query.RecentProgress.Count;
            clock.Advance(TimeSpan.FromSeconds(5));
            await query.ProcessAllAvailableAsync();
            Assert.Equal(count, query.RecentProgress.Count);
            clock.Advance(TimeSpan.FromSeconds(5));
            await WaitUntil(() => query.RecentProgress.Count == count + 1, "a second idle progress event");
            Assert.Equal(progress.BatchId + 1, query.LastProgress!.BatchId);
        }
        finally
        {
            await query.StopAsync();
        }
    }

    [Fact]
    public async Task Spark29973_ProcessedRowsPerSecondIsCalculatedMoreAccuratelyAndMeaningfully()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var inputData = session.CreateMemoryStream<int>();
        // Spark reports its first idle trigger at once; here the interval counts from the run's start, so it is set to 0.
        var query = await inputData.ToDF().WriteStream.Format("memory").QueryName("processed_rate").Trigger(Trigger.ProcessingTime("1 second"))
            .Option("noDataProgressEventInterval", "0").StartAsync();
        try
        {
            await WaitUntil(() => query.LastProgress is not null, "the first trigger");
            Assert.Equal(0, query.LastProgress!.NumInputRows);
            Assert.Equal(0.0, query.LastProgress.ProcessedRowsPerSecond);

            await inputData.AddDataAsync(1, 2);
            clock.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => query.LastProgress!.NumInputRows == 2, "the batch with data");
            // The fake clock stands still during the epoch: it counts as 1 ms.
            Assert.Equal(2000d, query.LastProgress!.ProcessedRowsPerSecond);
        }
        finally
        {
            await query.StopAsync();
        }
    }

    [Fact]
    public async Task Spark35880_DeduplicationReportsNumDroppedDuplicateRows()
    {
        var inputData = Session.CreateMemoryStream<(string, int)>();
        var result = inputData.ToDF().DropDuplicates("_1");
        long Dropped(StreamingQuery q) => q.LastProgress!.StateOperators[0].CustomMetrics["numDroppedDuplicateRows"];
        await Session.TestStream(result, OutputMode.Append).Run(
            AddData(inputData, ("a", 1)),
            CheckNewAnswer("a:1"),
            AssertOnQuery(q => Dropped(q) == 0, "numDroppedDuplicateRows = 0"),
            AddData(inputData, ("a", 2), ("b", 3)),
            CheckNewAnswer("b:3"),
            AssertOnQuery(q => Dropped(q) == 1, "numDroppedDuplicateRows = 1"),
            AddData(inputData, ("a", 5), ("b", 2), ("c", 9)),
            CheckNewAnswer("c:9"),
            AssertOnQuery(q => Dropped(q) == 2, "numDroppedDuplicateRows = 2"));
    }

    /// <summary>Spark's StreamingQuerySuite "input row calculation with same V2 source used twice in self-union": the source is
    /// one entry of the progress's sources, and it is scanned twice (once per side of the union), so its rows count twice.</summary>
    [Fact]
    public async Task InputRowCalculationWithSameV2SourceUsedTwiceInSelfUnion()
    {
        var streamInput = Session.CreateMemoryStream<int>();
        await Session.TestStream(streamInput.ToDF().Union(streamInput.ToDF()), OutputMode.Append).Run(
            AddData(streamInput, 1, 2, 3),
            CheckAnswer("1", "1", "2", "2", "3", "3"),
            AssertOnQuery(q => q.RecentProgress.LastOrDefault(p => p.NumInputRows > 0) is { } last
                && last.Sources.Count == 1 && last.NumInputRows == 6 && last.Sources[0].NumInputRows == 6,
                "one source; numInputRows == 6 (the source is scanned twice because of self-union)"));
    }

    /// <summary>
    /// StreamingQueryListenerSuite's SPARK-31593 ("remove unnecessary streaming query progress update"), with
    /// noDataProgressEventInterval 100 ms and a 10 ms trigger on a fake clock: an epoch reports progress; idle triggers report
    /// none until 100 ms have passed since the last event. The data is added before the start, so that epoch 0 runs at the
    /// first tick whatever the timing (Spark's version also counts a no-data event at the first idle trigger, which is
    /// reported here only one interval after the run's start).
    /// </summary>
    [Fact]
    public async Task Spark31593_RemoveUnnecessaryStreamingQueryProgressUpdate()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var input = session.CreateMemoryStream<int>();
        await input.AddDataAsync(10);
        var query = await input.ToDF().Select("value").WriteStream.Format("memory").QueryName("spark_31593")
            .Trigger(Trigger.ProcessingTime("10 milliseconds")).Option("noDataProgressEventInterval", "100").StartAsync();
        try
        {
            async Task CheckProgressEvents(int count)
            {
                await WaitUntil(() => query.RecentProgress.Count >= count, $"{count} progress events");
                await Task.Delay(300); // the idle triggers on the way would have reported by now
                Assert.Equal(count, query.RecentProgress.Count);
            }

            async Task Advance(int ms)
            {
                while (query.Status.IsTriggerActive) await Task.Delay(10);
                await Task.Delay(100);
                clock.Advance(TimeSpan.FromMilliseconds(ms));
            }

            await CheckProgressEvents(1);
            await Advance(10);
            await CheckProgressEvents(1);
            await Advance(80);
            await CheckProgressEvents(1);
            await Advance(10);
            await CheckProgressEvents(2);
            Assert.Equal(0, query.LastProgress!.NumInputRows);
            Assert.Equal(1, query.LastProgress.BatchId);
        }
        finally
        {
            await query.StopAsync();
        }
    }
}
