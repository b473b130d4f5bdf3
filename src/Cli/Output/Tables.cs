using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;
using Sluice.Client;

namespace Sluice.Cli.Output;

/// <summary>How streams, queries and rows look in a terminal. Cells are plain text, never markup, since names and data are the user's.</summary>
internal static class Tables
{
    public static Table Of(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header)));
        }
        return table;
    }

    public static void Row(this Table table, params string?[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "")));

    public static Table Streams(IEnumerable<StreamInfo> streams)
    {
        var table = Of("name", "storage", "head", "first retained", "count", "event time", "capacity");
        foreach (var s in streams)
        {
            table.Row(s.Name, s.Storage, Number(s.HeadOffset), Number(s.FirstRetainedOffset), Number(s.Count), s.TimestampField ?? "(ingest time)", s.Capacity is { } c ? Number(c) : "");
        }
        return table;
    }

    public static Table Stream(StreamInfo s)
    {
        var table = Properties();
        table.Row("name", s.Name);
        table.Row("storage", s.Storage);
        table.Row("head offset", Number(s.HeadOffset));
        table.Row("first retained offset", Number(s.FirstRetainedOffset));
        table.Row("count", Number(s.Count));
        table.Row("timestamp field", s.TimestampField ?? "(ingest time)");
        table.Row("watermark delay", s.WatermarkDelay);
        table.Row("capacity", s.Capacity is { } c ? Number(c) : "");
        table.Row("schema", s.Schema is null ? "(none)" : string.Join(", ", s.Schema.Select(f => $"{f.Key}: {f.Value}")));
        table.Row("created", s.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
        return table;
    }

    public static Table Queries(IEnumerable<QueryInfo> queries)
    {
        // Narrow enough for an 80-column terminal; `sluice query describe NAME` has everything.
        var all = queries.ToList();
        var withErrors = all.Any(q => q.Error is not null);
        var table = Of(withErrors ? ["name", "state", "inputs", "in", "out", "late", "watermark", "error"] : ["name", "state", "inputs", "in", "out", "late", "watermark"]);
        foreach (var q in all)
        {
            string?[] cells = [q.Name, q.State, string.Join(", ", q.Inputs), Number(q.Metrics.EventsIn), Number(q.Metrics.RowsOut), Number(q.Metrics.LateEvents),
                q.Metrics.Watermark?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? ""];
            table.Row(withErrors ? [.. cells, q.Error] : cells);
        }
        return table;
    }

    public static Table Query(QueryInfo q)
    {
        var table = Properties();
        table.Row("name", q.Name);
        table.Row("state", q.State);
        if (q.Error is not null)
        {
            table.Row("error", q.Error);
        }
        table.Row("sql", q.Sql);
        table.Row("from", q.From);
        table.Row("inputs", string.Join(", ", q.Inputs));
        table.Row("output", Schema(q.OutputSchema) + (q.IsUpdating ? " (changelog: rows carry op + or -)" : ""));
        table.Row("events in / rows out / late", $"{Number(q.Metrics.EventsIn)} / {Number(q.Metrics.RowsOut)} / {Number(q.Metrics.LateEvents)}");
        table.Row("watermark", q.Metrics.Watermark?.ToString("u", CultureInfo.InvariantCulture) ?? "(no event yet)");
        table.Row("state size", Number(q.Metrics.StateSize));
        table.Row("T_read / T_process / T_write p50/p99 ms", $"{Latency(q.Metrics.Read)} / {Latency(q.Metrics.Process)} / {Latency(q.Metrics.Write)}");
        foreach (var input in q.Metrics.Inputs)
        {
            table.Row($"input {input.Stream}", $"offset {Number(input.Offset)} of {Number(input.HeadOffset)} (lag {Number(input.Lag)})");
        }
        return table;
    }

    /// <summary>Rows (JSON objects) under the given columns; an <c>op</c> column first when the rows are a changelog.</summary>
    public static Table Rows(IReadOnlyList<ColumnSchema> columns, IEnumerable<JsonElement> rows, bool withOp)
    {
        var names = columns.Select(c => c.Name).ToList();
        var table = Of(withOp ? ["op", .. names] : [.. names]);
        foreach (var row in rows)
        {
            var cells = names.Select(n => Cell(row, n));
            table.Row(withOp ? [Cell(row, "op"), .. cells] : [.. cells]);
        }
        return table;
    }

    public static string Schema(IEnumerable<ColumnSchema> columns) => string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}"));

    private static Table Properties() => new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");

    private static string Cell(JsonElement row, string name) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : "";

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Latency(Latency latency) =>
        latency.P50 is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{latency.P50:0.###}/{latency.P99:0.###}");
}
