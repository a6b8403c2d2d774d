using Apache.Arrow;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>A batch read of one file, or of a folder's committed files (a file sink's log decides), listed when read.</summary>
internal sealed class FileBatchSource(SourceRelation source, Schema schema, SourceContext context) : IBatchSource
{
    public Schema Schema => schema;

    public IEnumerable<RecordBatch> Read(Schema columns)
    {
        var read = FileReading.ColumnsToRead(source.Format, schema, columns);
        var options = new ReaderOptions(source.Options);
        foreach (var file in FileSourceProvider.DataFiles(source, context)) yield return FileReading.Read(source.Format, file, read, options);
    }
}
