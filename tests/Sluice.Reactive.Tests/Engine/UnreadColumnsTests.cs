using System.Reactive.Linq;
using Microsoft.Extensions.Time.Testing;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;
using Sluice.Reactive.Tests.Nexmark;

namespace Sluice.Reactive.Tests.Engine;

/// <summary>
/// <see cref="QueryInput.Reads"/>: the columns of a stream with a schema a query reads, so the runtime decodes only those.
/// A column marked unread must really be unread: the query's result cannot change when it is NULL.
/// </summary>
public sealed class UnreadColumnsTests
{
    private static readonly List<NexmarkEvent> Events = NexmarkGenerator.Generate(5_000);

    private static IReadOnlyList<string> ReadColumns(CompiledQuery query, int input = 0) =>
        query.Inputs[input].Columns.Where((_, i) => query.Inputs[input].Reads![i]).Select(c => c.Name).ToArray();

    [Fact]
    public void A_query_reads_the_columns_it_names()
    {
        var query = QueryCompiler.Compile(NexmarkQueries.All["q2"], NexmarkStreamShapes.Instance);

        Assert.Equal(["auction", "price"], ReadColumns(query));
        Assert.Equal(7, query.Inputs[0].Columns.Count);
    }

    [Fact]
    public void A_window_reads_its_time_column_and_count_star_reads_nothing()
    {
        var windowed = QueryCompiler.Compile(
            "SELECT COUNT(*) AS n, window_start FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start", NexmarkStreamShapes.Instance);
        var counted = QueryCompiler.Compile("SELECT COUNT(*) AS n FROM bid", NexmarkStreamShapes.Instance);

        Assert.Equal(["date_time"], ReadColumns(windowed));
        Assert.Empty(ReadColumns(counted));
    }

    [Fact]
    public void Names_are_matched_whatever_their_case_and_qualifier()
    {
        var query = QueryCompiler.Compile("SELECT B.AUCTION FROM bid AS B WHERE b.Bidder > 0", NexmarkStreamShapes.Instance);

        Assert.Equal(["auction", "bidder"], ReadColumns(query));
    }

    [Theory]
    [InlineData("SELECT * FROM bid")]
    [InlineData("SELECT B.* FROM bid AS B")]
    [InlineData("SELECT auction FROM (SELECT * FROM bid) AS b")]
    [InlineData("SELECT bidder FROM bid NATURAL JOIN auction")]
    public void A_star_or_a_natural_join_reads_every_column(string sql)
    {
        var query = QueryCompiler.Compile(sql, NexmarkStreamShapes.Instance);

        Assert.All(query.Inputs, input => Assert.Null(input.Reads));
    }

    [Fact]
    public void A_column_of_another_stream_with_the_same_name_counts_as_read()
    {
        // Matching by name only can read too much, never too little: q3 names A.id, so person's id is read too.
        var query = QueryCompiler.Compile(NexmarkQueries.All["q3"], NexmarkStreamShapes.Instance);
        var person = query.Inputs.Select((input, i) => (input, i)).Single(x => x.input.Stream == "person").i;

        Assert.Contains("id", ReadColumns(query, person));
        Assert.DoesNotContain("email_address", ReadColumns(query, person));
    }

    /// <summary>The suite queries that leave some column of an input unread (the others read whole rows).</summary>
    public static TheoryData<string> SuiteQueries()
    {
        var data = new TheoryData<string>();
        foreach (var name in QueriesLeavingColumnsUnread())
        {
            data.Add(name);
        }
        return data;
    }

    private static List<string> QueriesLeavingColumnsUnread() => NexmarkQueries.All
        .Where(q => QueryCompiler.Compile(q.Value, NexmarkStreamShapes.Instance).Inputs.Any(input => input.Reads is { } reads && reads.Contains(false)))
        .Select(q => q.Key)
        .ToList();

    [Fact]
    public void Most_suite_queries_leave_columns_unread()
    {
        var skipping = QueriesLeavingColumnsUnread();

        Assert.True(skipping.Count >= 15, $"only {skipping.Count} of {NexmarkQueries.All.Count} suite queries skip a column: {string.Join(", ", skipping)}");
    }

    [Theory]
    [MemberData(nameof(SuiteQueries))]
    public void Nulling_the_unread_columns_does_not_change_a_suite_querys_result(string name)
    {
        var query = QueryCompiler.Compile(NexmarkQueries.All[name], NexmarkStreamShapes.Instance);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

        var whole = NexmarkPipeline.Run(query, Events, new ProcessingTimeClock(time));
        var masked = NexmarkPipeline.Run(WithUnreadColumnsNulled(query), Events, new ProcessingTimeClock(time));

        Assert.True(whole.Count > 0 || name == "q2", $"{name} produced nothing over the generated events: the comparison would prove nothing");
        Assert.Null(ResultRows.Difference(whole, masked));
    }

    /// <summary>The same query, given rows whose unread columns are NULL, as the runtime's decoder gives them.</summary>
    private static CompiledQuery WithUnreadColumnsNulled(CompiledQuery query) => new(
        query.Sql,
        query.Inputs,
        query.OutputColumns,
        query.IsUpdating,
        query.Plan,
        (inputs, stats, clock) => query.Build(
            inputs.Select((observable, i) => query.Inputs[i].Reads is { } reads ? observable.Select(e => e with { Row = Masked(e.Row, reads) }) : observable).ToArray(),
            stats,
            clock))
    {
        UsesProcessingTime = query.UsesProcessingTime,
    };

    private static object?[] Masked(object?[] row, IReadOnlyList<bool> reads)
    {
        var masked = new object?[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            masked[i] = reads[i] ? row[i] : null;
        }
        return masked;
    }
}
