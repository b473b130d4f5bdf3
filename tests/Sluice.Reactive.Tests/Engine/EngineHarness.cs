using System.Reactive.Subjects;

namespace Sluice.Reactive.Tests.Engine;

/// <summary>Streams known to the tests: the Nexmark schemas plus a few small ones.</summary>
internal sealed class TestShapes : IStreamShapes
{
    private static readonly Dictionary<string, StreamShape> Shapes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bid"] = new StreamShape("bid",
        [
            new("auction", ColumnType.Bigint), new("bidder", ColumnType.Bigint), new("price", ColumnType.Bigint), new("channel", ColumnType.Text),
            new("url", ColumnType.Text), new("date_time", ColumnType.Timestamp), new("extra", ColumnType.Text),
        ], "date_time", TimeSpan.Zero),
        ["auction"] = new StreamShape("auction",
        [
            new("id", ColumnType.Bigint), new("item_name", ColumnType.Text), new("description", ColumnType.Text), new("initial_bid", ColumnType.Bigint),
            new("reserve", ColumnType.Bigint), new("date_time", ColumnType.Timestamp), new("expires", ColumnType.Timestamp), new("seller", ColumnType.Bigint),
            new("category", ColumnType.Bigint), new("extra", ColumnType.Text),
        ], "date_time", TimeSpan.Zero),
        ["person"] = new StreamShape("person",
        [
            new("id", ColumnType.Bigint), new("name", ColumnType.Text), new("email_address", ColumnType.Text), new("credit_card", ColumnType.Text),
            new("city", ColumnType.Text), new("state", ColumnType.Text), new("date_time", ColumnType.Timestamp), new("extra", ColumnType.Text),
        ], "date_time", TimeSpan.Zero),
        ["t"] = new StreamShape("t",
        [
            new("k", ColumnType.Text), new("v", ColumnType.Bigint), new("d", ColumnType.Double), new("m", ColumnType.Decimal),
            new("b", ColumnType.Boolean), new("ts", ColumnType.Timestamp), new("j", ColumnType.Json),
        ], "ts", TimeSpan.Zero),
        ["u"] = new StreamShape("u", [new("k", ColumnType.Text), new("w", ColumnType.Bigint), new("ts", ColumnType.Timestamp)], "ts", TimeSpan.Zero),
        ["raw"] = new StreamShape("raw", null, null, TimeSpan.Zero),
        ["late"] = new StreamShape("late", [new("k", ColumnType.Text), new("v", ColumnType.Bigint), new("ts", ColumnType.Timestamp)], "ts", TimeSpan.FromSeconds(5)),
    };

    public static readonly TestShapes Instance = new();

    public StreamShape? Find(string name) => Shapes.GetValueOrDefault(name);
}

/// <summary>Drives a compiled query with subjects, one per input, and records what comes out.</summary>
internal sealed class QueryRun : IDisposable
{
    private readonly IDisposable subscription;

    /// <param name="sql">The query.</param>
    /// <param name="strict">Compile with <see cref="QueryCompileOptions.StrictErrors"/>: a failing expression faults the query.</param>
    /// <param name="clock">The pipeline's processing time (PROCTIME()); the system clock when null.</param>
    public QueryRun(string sql, bool strict = false, ProcessingTimeClock? clock = null)
    {
        Query = QueryCompiler.Compile(sql, TestShapes.Instance, new QueryCompileOptions { StrictErrors = strict });
        Inputs = Query.Inputs.Select(_ => new Subject<InputEvent>()).ToList();
        subscription = Query.Build(Inputs, Stats, clock).Subscribe(Rows.Add, e => Error = e, () => Completed = true);
    }

    public CompiledQuery Query { get; }

    public List<Subject<InputEvent>> Inputs { get; }

    public QueryStats Stats { get; } = new();

    public List<OutputRow> Rows { get; } = [];

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    private long offset;

    public static DateTime At(double seconds) => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seconds);

    /// <summary>Pushes a row into the input at <paramref name="input"/> with event time <paramref name="seconds"/> after the test epoch.</summary>
    public QueryRun Push(int input, double seconds, params object?[] row)
    {
        Inputs[input].OnNext(new InputEvent(offset++, At(seconds), row));
        return this;
    }

    public void CompleteAll()
    {
        foreach (var input in Inputs) input.OnCompleted();
    }

    /// <summary>
    /// Runs <paramref name="sql"/> over one input of (k, v, ts) rows, ts <c>T</c> seconds after the test epoch, pushed in
    /// the order given, then completes it; fails the test if the query faulted.
    /// </summary>
    public static QueryRun ToCompletion(string sql, IEnumerable<(string K, long V, double T)> events)
    {
        var run = new QueryRun(sql);
        foreach (var (k, v, t) in events) run.Push(0, t, k, v, At(t));
        run.CompleteAll();
        Assert.Null(run.Error);
        return run;
    }

    /// <summary>Applies the changelog: the current result as rows rendered to text, sorted.</summary>
    public List<string> Table()
    {
        var table = new List<string>();
        foreach (var row in Rows)
        {
            var text = Render(row.Values);
            if (row.Op == ChangeOp.Insert) table.Add(text);
            else Assert.True(table.Remove(text), $"retraction of a row never inserted: {text}");
        }
        table.Sort(StringComparer.Ordinal);
        return table;
    }

    public List<string> Rendered() => Rows.Select(r => (r.Op == ChangeOp.Delete ? "-" : "+") + Render(r.Values)).ToList();

    public static string Render(object?[] values) => string.Join("|", values.Select(v => v switch
    {
        null => "null",
        DateTime t => t.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString(),
    }));

    public void Dispose() => subscription.Dispose();
}

internal static class Rows
{
    public static object?[] Bid(long auction, long bidder, long price, double seconds, string channel = "web") =>
        [auction, bidder, price, channel, "http://x", QueryRun.At(seconds), ""];

    public static object?[] Auction(long id, long seller, long category, double seconds, double expiresSeconds) =>
        [id, $"item{id}", "", 10L, 20L, QueryRun.At(seconds), QueryRun.At(expiresSeconds), seller, category, ""];

    public static object?[] Person(long id, string name, string state, double seconds) =>
        [id, name, $"{name}@x", "0000", "city", state, QueryRun.At(seconds), ""];
}
