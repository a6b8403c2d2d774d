using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Plan.Sql;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// The stateless operators over one bids batch, per row: q2's and q14's filters, q1's and q14's projections. The suite's
/// queries multiply by a double (Col("price") * 0.908); the "Decimal" variants write it as SQL text, where 0.908 is a
/// decimal literal (Spark's typing) and the arithmetic runs on decimals.
/// </summary>
public class OperatorBenchmarks
{
    private FilterOperator _q2Filter = null!, _q14Filter = null!, _q14FilterDecimal = null!;
    private ProjectOperator _q1Projection = null!, _q1ProjectionDecimal = null!, _q14Projection = null!;

    /// <summary>Binds the operators to the bids schema.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var schema = MicroData.Bids.Schema;
        var euro = new BinaryExpr(BinaryOp.Multiply, new ColumnRef("price"), new Literal(Nexmark.NexmarkQueries.DollarToEuro, "double"));
        _q2Filter = new FilterOperator(SqlExpressionParser.Parse("auction % 123 = 0"), schema);
        _q14Filter = new FilterOperator(new BinaryExpr(BinaryOp.And,
            new BinaryExpr(BinaryOp.GreaterThan, euro, new Literal(1_000_000.0, "double")),
            new BinaryExpr(BinaryOp.LessThan, euro, new Literal(50_000_000.0, "double"))), schema);
        _q14FilterDecimal = new FilterOperator(SqlExpressionParser.Parse("price * 0.908 > 1000000 AND price * 0.908 < 50000000"), schema);
        _q1Projection = new ProjectOperator([new ColumnRef("auction"), new ColumnRef("bidder"), new Alias(euro, "price"), new ColumnRef("dateTime"), new ColumnRef("extra")], schema);
        _q1ProjectionDecimal = new ProjectOperator(Parse("auction", "bidder", "price * 0.908 AS price", "dateTime", "extra"), schema);
        _q14Projection = new ProjectOperator([new ColumnRef("auction"), new ColumnRef("bidder"), new Alias(euro, "price"),
            SqlExpressionParser.ParseNamed(Nexmark.NexmarkQueries.Q14BucketSql + " AS bidTimeType"), new ColumnRef("dateTime"), new ColumnRef("extra"),
            SqlExpressionParser.ParseNamed("length(extra) AS c_counts")], schema);
    }

    /// <summary>q2's filter: an int64 modulo and compare, then compaction of the few rows kept.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch FilterModulo() => _q2Filter.Process(MicroData.Bids, MicroData.Context);

    /// <summary>q14's filter on doubles: about a third of the rows kept, strings compacted too.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch FilterPriceRange() => _q14Filter.Process(MicroData.Bids, MicroData.Context);

    /// <summary>q14's filter as SQL text: decimal arithmetic and comparisons.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch FilterPriceRangeDecimal() => _q14FilterDecimal.Process(MicroData.Bids, MicroData.Context);

    /// <summary>q1's projection: one double column computed, four passed through.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch ProjectQ1() => _q1Projection.Process(MicroData.Bids, MicroData.Context);

    /// <summary>q1's projection as SQL text: the price column is a decimal.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch ProjectQ1Decimal() => _q1ProjectionDecimal.Process(MicroData.Bids, MicroData.Context);

    /// <summary>q14's projection: double arithmetic, a CASE over casts and modulo producing strings, length of a string.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch ProjectQ14() => _q14Projection.Process(MicroData.Bids, MicroData.Context);

    private static List<Expr> Parse(params string[] items) => items.Select(SqlExpressionParser.ParseNamed).ToList();
}
