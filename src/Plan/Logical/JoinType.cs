namespace OrleansStream.Plan.Logical;

/// <summary>The kinds of join Spark offers (<c>Dataset.join</c>'s <c>joinType</c>).</summary>
public enum JoinType
{
    /// <summary>Rows of both sides whose keys match.</summary>
    Inner,
    /// <summary>Every pair of rows (a condition, when given, filters them).</summary>
    Cross,
    /// <summary>Inner rows, plus each unmatched left row padded with nulls.</summary>
    LeftOuter,
    /// <summary>Inner rows, plus each unmatched right row padded with nulls.</summary>
    RightOuter,
    /// <summary>Inner rows, plus the unmatched rows of both sides padded with nulls.</summary>
    FullOuter,
    /// <summary>Each left row that has a match, once; left columns only.</summary>
    LeftSemi,
    /// <summary>Each left row that has no match; left columns only.</summary>
    LeftAnti,
}

/// <summary>Spark's spellings of the join types.</summary>
public static class JoinTypes
{
    /// <summary>Parses Spark's spelling (case-insensitive, underscores optional): inner, cross, outer, full, fullouter,
    /// full_outer, left, leftouter, left_outer, right, rightouter, right_outer, semi, leftsemi, left_semi, anti, leftanti,
    /// left_anti.</summary>
    /// <exception cref="ArgumentException">Spark's message for an unsupported join type.</exception>
    public static JoinType Parse(string joinType)
    {
        ArgumentNullException.ThrowIfNull(joinType);
        return joinType.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal) switch
        {
            "inner" => JoinType.Inner,
            "cross" => JoinType.Cross,
            "outer" or "full" or "fullouter" => JoinType.FullOuter,
            "left" or "leftouter" => JoinType.LeftOuter,
            "right" or "rightouter" => JoinType.RightOuter,
            "semi" or "leftsemi" => JoinType.LeftSemi,
            "anti" or "leftanti" => JoinType.LeftAnti,
            _ => throw new ArgumentException(
                $"Unsupported join type '{joinType}'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', 'full_outer', "
                + "'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', 'left_semi', 'semi', "
                + "'leftanti', 'left_anti', 'anti', 'cross'.", nameof(joinType)),
        };
    }

    /// <summary>Spark's name in plans and messages: Inner, Cross, LeftOuter, RightOuter, FullOuter, LeftSemi, LeftAnti.</summary>
    public static string SparkName(this JoinType type) => type.ToString();

    /// <summary>Whether the output holds only the left side's columns (semi and anti joins).</summary>
    public static bool OutputsLeftOnly(this JoinType type) => type is JoinType.LeftSemi or JoinType.LeftAnti;
}
