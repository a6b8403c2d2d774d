using Apache.Arrow;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Sources.Nexmark;

/// <summary>The three Nexmark tables as Spark DDL (what a file source's Schema(...) takes) and as Arrow schemas.</summary>
public static class NexmarkSchemas
{
    /// <summary>Bids: the table every query here reads.</summary>
    public const string BidDdl = "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING";
    /// <summary>People.</summary>
    public const string PersonDdl = "id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, dateTime TIMESTAMP, extra STRING";
    /// <summary>Auctions.</summary>
    public const string AuctionDdl = "id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING";

    /// <summary>The DDL of only <paramref name="columns"/> of the bids table (a file source then decodes only those).</summary>
    public static string BidDdlOf(IReadOnlyCollection<string> columns) =>
        string.Join(", ", BidDdl.Split(", ").Where(c => columns.Contains(c.Split(' ')[0])));

    /// <summary>The fields of the bids table named in <paramref name="columns"/>, in the table's order.</summary>
    public static Schema BidColumns(IReadOnlyCollection<string> columns) =>
        new([.. Bid.FieldsList.Where(f => columns.Contains(f.Name))], null);

    /// <summary>Arrow schema of <see cref="BidDdl"/> (parsed by the engine, so types and nullability are exactly what it expects).</summary>
    public static Schema Bid { get; } = DataTypes.ParseSchema(BidDdl);
    /// <summary>Arrow schema of <see cref="PersonDdl"/>.</summary>
    public static Schema Person { get; } = DataTypes.ParseSchema(PersonDdl);
    /// <summary>Arrow schema of <see cref="AuctionDdl"/>.</summary>
    public static Schema Auction { get; } = DataTypes.ParseSchema(AuctionDdl);

    /// <summary>The schema of <paramref name="table"/>: bid, person or auction (case-insensitive).</summary>
    public static Schema Of(string table) => table.ToLowerInvariant() switch
    {
        "bid" => Bid,
        "person" => Person,
        "auction" => Auction,
        _ => throw new ArgumentException($"Invalid value '{table}' for option 'table' of the nexmark source: expected bid, person or auction."),
    };
}
