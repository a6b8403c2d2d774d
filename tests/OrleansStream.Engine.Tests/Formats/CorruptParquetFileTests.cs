using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

/// <summary>Parquet has no record-level mode: a corrupt file fails the read, and the error names the file.</summary>
public class CorruptParquetFileTests
{
    private static readonly Schema Schema = TestData.Schema(F("id", Int64Type.Default), F("s", StringType.Default));

    public static TheoryData<string> Damages => new() { "not a parquet file", "truncated footer", "garbage in the middle", "empty file" };

    [Theory]
    [MemberData(nameof(Damages))]
    public void Reading_fails_naming_the_file(string damage)
    {
        using var dir = new TempDir();
        var path = Damaged(dir, damage);
        var e = Assert.ThrowsAny<Exception>(() => FileFormats.Get("parquet").Read(path, Schema, ReaderOptions.Default));
        Assert.Contains(path, e.Message);
        Assert.Contains("Parquet", e.Message);
        Assert.True(e.Message.Length < 600, $"message of {e.Message.Length} characters");
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Schema_inference_fails_naming_the_file(string damage)
    {
        using var dir = new TempDir();
        var path = Damaged(dir, damage);
        if (damage == "garbage in the middle") return; // the footer is intact: the schema reads fine
        var e = Assert.ThrowsAny<Exception>(() => FileFormats.Get("parquet").InferSchema([path], ReaderOptions.Default));
        Assert.Contains(path, e.Message);
    }

    private static string Damaged(TempDir dir, string damage)
    {
        var path = System.IO.Path.Combine(dir.Path, "part-0.parquet");
        var rows = Enumerable.Range(0, 5_000).Select(i => new object?[] { (long)i, "value number " + i }).ToList();
        ParquetFormat.Write(path, [ArrowValues.FromRows(Schema, rows)], Schema);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "not a parquet file":
                bytes = "id,s\n1,a\n2,b\n"u8.ToArray();
                break;
            case "truncated footer":
                bytes = bytes[..^20];
                break;
            case "garbage in the middle":
                // Overwrite the data pages (after the 4-byte magic, well before the footer) with a fixed pattern.
                var random = new Random(7);
                for (int i = 64; i < bytes.Length / 2; i++) bytes[i] = (byte)random.Next(256);
                break;
            case "empty file":
                bytes = [];
                break;
        }
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
