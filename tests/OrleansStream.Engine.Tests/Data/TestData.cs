using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Tests.Data;

/// <summary>Schema and temp-directory helpers for the data/format/source/sink tests.</summary>
public static class TestData
{
    public static readonly TimestampType Timestamp = new(TimeUnit.Microsecond, "UTC");

    public static Field F(string name, IArrowType type, bool nullable = true) => new(name, type, nullable);

    public static Schema Schema(params Field[] fields) => new(fields, null);

    public static StructType Struct(params Field[] fields) => new(fields);

    public static ListType List(IArrowType element) => new(new Field("element", element, true));

    public static DateTime Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) => new(y, mo, d, h, mi, s, DateTimeKind.Utc);
}

/// <summary>A temp directory deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "os-tests-" + Guid.NewGuid().ToString("N")));

    public string Path { get; }

    public string File(string name, string content)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
