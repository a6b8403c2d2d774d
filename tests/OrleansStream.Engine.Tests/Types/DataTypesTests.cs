using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Plan.Types;
using Xunit;

namespace OrleansStream.Engine.Tests.Types;

public class DataTypesTests
{
    [Theory]
    [InlineData("int", "int")]
    [InlineData("INTEGER", "int")]
    [InlineData("Long", "bigint")]
    [InlineData("bigint", "bigint")]
    [InlineData("boolean", "boolean")]
    [InlineData("float", "float")]
    [InlineData("double", "double")]
    [InlineData("decimal(10,2)", "decimal(10,2)")]
    [InlineData("decimal", "decimal(10,0)")]
    [InlineData("string", "string")]
    [InlineData("binary", "binary")]
    [InlineData("timestamp", "timestamp")]
    [InlineData("date", "date")]
    [InlineData("struct<a:int,b:string>", "struct<a:int,b:string>")]
    [InlineData("STRUCT<a: INT, b: STRING>", "struct<a:int,b:string>")]
    [InlineData("array<int>", "array<int>")]
    [InlineData("map<string,int>", "map<string,int>")]
    [InlineData("array<struct<x:array<long>>>", "array<struct<x:array<bigint>>>")]
    public void ParseType_round_trips_to_spark_simple_string(string text, string expected)
    {
        Assert.Equal(expected, DataTypes.ToDdl(DataTypes.ParseType(text)));
    }

    [Fact]
    public void ParseType_maps_to_engine_arrow_types()
    {
        var ts = Assert.IsType<TimestampType>(DataTypes.ParseType("timestamp"));
        Assert.Equal(TimeUnit.Microsecond, ts.Unit);
        Assert.Equal("UTC", ts.Timezone);
        Assert.IsType<Date32Type>(DataTypes.ParseType("date"));
        Assert.IsType<Int64Type>(DataTypes.ParseType("long"));
        Assert.IsType<Int32Type>(DataTypes.ParseType("int"));
        Assert.IsType<StringType>(DataTypes.ParseType("string"));
        var d = Assert.IsType<Decimal128Type>(DataTypes.ParseType("DECIMAL(12, 3)"));
        Assert.Equal((12, 3), (d.Precision, d.Scale));
        Assert.IsType<ListType>(DataTypes.ParseType("array<int>"));
        Assert.IsType<MapType>(DataTypes.ParseType("map<string,int>"));
        Assert.IsType<StructType>(DataTypes.ParseType("struct<a:int>"));
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("array<int")]
    [InlineData("decimal(50,2)")]
    [InlineData("int extra")]
    public void ParseType_rejects_bad_input(string text)
    {
        Assert.ThrowsAny<FormatException>(() => DataTypes.ParseType(text));
    }

    [Fact]
    public void ParseSchema_reads_fields_nullability_and_nested_types()
    {
        var schema = DataTypes.ParseSchema("a INT, b STRING NOT NULL, payload STRUCT<x: INT, y: ARRAY<STRING>>, `weird name` DOUBLE COMMENT 'c'");
        Assert.Equal(["a", "b", "payload", "weird name"], schema.FieldsList.Select(f => f.Name));
        Assert.True(schema.FieldsList[0].IsNullable);
        Assert.False(schema.FieldsList[1].IsNullable);
        var payload = Assert.IsType<StructType>(schema.FieldsList[2].DataType);
        Assert.Equal("struct<x:int,y:array<string>>", DataTypes.ToDdl(payload));
        Assert.Equal("a int, b string NOT NULL, payload struct<x:int,y:array<string>>, `weird name` double", DataTypes.ToDdl(schema));
    }

    [Fact]
    public void ToTreeString_prints_spark_printSchema_format()
    {
        var schema = DataTypes.ParseSchema("a INT, b STRING NOT NULL, s STRUCT<x: BIGINT>, arr ARRAY<INT>, m MAP<STRING, DOUBLE>, ts TIMESTAMP");
        var expected =
            "root\n" +
            " |-- a: integer (nullable = true)\n" +
            " |-- b: string (nullable = false)\n" +
            " |-- s: struct (nullable = true)\n" +
            " |    |-- x: long (nullable = true)\n" +
            " |-- arr: array (nullable = true)\n" +
            " |    |-- element: integer (containsNull = true)\n" +
            " |-- m: map (nullable = true)\n" +
            " |    |-- key: string\n" +
            " |    |-- value: double (valueContainsNull = true)\n" +
            " |-- ts: timestamp (nullable = true)\n";
        Assert.Equal(expected, DataTypes.ToTreeString(schema));
    }

    [Fact]
    public void InferLiteralType_maps_clr_values()
    {
        Assert.IsType<Int32Type>(DataTypes.InferLiteralType(1));
        Assert.IsType<Int64Type>(DataTypes.InferLiteralType(1L));
        Assert.IsType<DoubleType>(DataTypes.InferLiteralType(1.5));
        Assert.IsType<StringType>(DataTypes.InferLiteralType("x"));
        Assert.IsType<BooleanType>(DataTypes.InferLiteralType(true));
        Assert.IsType<TimestampType>(DataTypes.InferLiteralType(DateTime.UtcNow));
        Assert.IsType<Date32Type>(DataTypes.InferLiteralType(new DateOnly(2024, 1, 1)));
        Assert.IsType<NullType>(DataTypes.InferLiteralType(null));
        Assert.Equal("decimal(4,2)", DataTypes.ToDdl(DataTypes.InferLiteralType(12.34m)));
        Assert.Throws<ArgumentException>(() => DataTypes.InferLiteralType(new object()));
    }
}
