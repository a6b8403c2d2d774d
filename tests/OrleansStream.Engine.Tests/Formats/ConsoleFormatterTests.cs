using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

public class ConsoleFormatterTests
{
    private static readonly Schema Schema = TestData.Schema(F("word", StringType.Default), F("count", Int64Type.Default), F("avg", DoubleType.Default),
        F("ts", Timestamp), F("window", Struct(F("start", Timestamp), F("end", Timestamp))), F("tags", List(StringType.Default)));

    private static RecordBatch Batch() => ArrowValues.FromRows(Schema,
    [
        new object?[] { "hello", 3L, 1.0, Utc(2024, 1, 2, 3, 4, 5), new object?[] { Utc(2024, 1, 1), Utc(2024, 1, 1, 0, 10) }, new object?[] { "a", null } },
        new object?[] { "a very long word that is cut", 10L, 1e7, null, null, System.Array.Empty<object?>() },
        new object?[] { null, null, 0.5, Utc(2024, 1, 2).AddMilliseconds(500), null, null },
    ]);

    [Fact]
    public void Show_matches_spark_output()
    {
        var actual = ConsoleFormatter.Show(Batch());
        Assert.Equal(
            "+--------------------+-----+-----+--------------------+--------------------+---------+\n" +
            "|                word|count|  avg|                  ts|              window|     tags|\n" +
            "+--------------------+-----+-----+--------------------+--------------------+---------+\n" +
            "|               hello|    3|  1.0| 2024-01-02 03:04:05|{2024-01-01 00:00...|[a, null]|\n" +
            "|a very long word ...|   10|1.0E7|                NULL|                NULL|       []|\n" +
            "|                NULL| NULL|  0.5|2024-01-02 00:00:...|                NULL|     NULL|\n" +
            "+--------------------+-----+-----+--------------------+--------------------+---------+\n", actual);
    }

    [Fact]
    public void Show_limits_rows_with_footer_and_without_truncation_left_aligns()
    {
        var small = ArrowValues.FromRows(TestData.Schema(F("a", Int32Type.Default), F("b", StringType.Default)),
            [new object?[] { 1, "x" }, new object?[] { 22, "a very long value beyond twenty" }]);
        Assert.Equal(
            "+---+---+\n" +
            "|  a|  b|\n" +
            "+---+---+\n" +
            "|  1|  x|\n" +
            "+---+---+\n" +
            "only showing top 1 row\n", ConsoleFormatter.Show(small, 1));
        Assert.Equal(
            "+---+-------------------------------+\n" +
            "|a  |b                              |\n" +
            "+---+-------------------------------+\n" +
            "|1  |x                              |\n" +
            "|22 |a very long value beyond twenty|\n" +
            "+---+-------------------------------+\n", ConsoleFormatter.Show(small, 20, truncate: false));
        Assert.Equal("+---+---+\n|  a|  b|\n+---+---+\n+---+---+\n", ConsoleFormatter.Show(ArrowValues.Empty(small.Schema)));
    }
}
