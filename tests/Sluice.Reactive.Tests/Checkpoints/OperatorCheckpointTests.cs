using System.Text.Json;
using Sluice.Reactive.Tests.Engine;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// Each operator kind and each accumulator, checkpointed at random pushes and restored into a fresh pipeline
/// (<see cref="CheckpointProperty"/>), over generated events of the test streams <c>t</c>, <c>u</c>, <c>raw</c> and
/// <c>late</c>: out of order (some late), with NULLs, JSON, decimals of several scales and values typed at run time.
/// </summary>
public sealed class OperatorCheckpointTests
{
    public static TheoryData<string, string> Queries => new()
    {
        { "tumble, every append-only accumulator (sliced)", "SELECT window_start, k, COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS s, SUM(d) AS sd, SUM(m) AS sm, AVG(v) AS av, AVG(d) AS ad, MIN(m) AS mn, MAX(k) AS mx, COUNT(DISTINCT v) AS dv FROM TUMBLE(t, ts, INTERVAL '5' SECOND) GROUP BY window_start, k" },
        { "hop with a running table (subtractable aggregates)", "SELECT window_end, k, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v) AS dv FROM HOP(t, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY window_end, k" },
        { "hop merging slices (MIN/MAX, double sums)", "SELECT window_start, k, MAX(v) AS mx, SUM(d) AS sd, FIRST_VALUE(v ORDER BY ts) AS fv FROM HOP(t, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY window_start, k" },
        { "window aggregate over window columns (not sliced)", "SELECT window_start, k, COUNT(*) AS n, LAST_VALUE(d ORDER BY ts) AS lv FROM TUMBLE(t, ts, INTERVAL '5' SECOND) WHERE window_end > ts GROUP BY window_start, k" },
        { "window aggregate over a window result", "SELECT starttime, MAX(n) AS mx, STRING_AGG(k, ',' ORDER BY n DESC, k) AS ks FROM (SELECT window_start AS starttime, k, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '5' SECOND) GROUP BY window_start, k) w GROUP BY starttime" },
        { "session windows", "SELECT k, window_start, window_end, COUNT(*) AS n, SUM(d) AS sd, STRING_AGG(CAST(v AS TEXT), ',' ORDER BY ts) AS vs FROM SESSION(t, ts, INTERVAL '1' SECOND) GROUP BY k, window_start, window_end" },
        { "group aggregate changelog, every accumulator", "SELECT k, COUNT(*) AS n, COUNT(v) AS nv, COUNT(DISTINCT v) AS dv, SUM(v) AS s, SUM(d) AS sd, SUM(m) AS sm, AVG(v) AS av, AVG(d) AS ad, AVG(m) AS am, MIN(v) AS mn, MAX(d) AS mx, STRING_AGG(CAST(v AS TEXT), '|' ORDER BY v DESC) AS vs, FIRST_VALUE(v ORDER BY ts) AS fv, LAST_VALUE(d ORDER BY ts) AS lv FROM t GROUP BY k" },
        { "aggregates over a changelog (retractions, MIN/MAX multisets)", "SELECT MAX(n) AS mx, MIN(n) AS mn, SUM(n) AS s, COUNT(DISTINCT n) AS dn, STRING_AGG(k, ',' ORDER BY n DESC, k) AS ks, FIRST_VALUE(k ORDER BY n) AS fk FROM (SELECT k, COUNT(*) AS n FROM t GROUP BY k) c" },
        { "group keys of every type", "SELECT b, ts, m, COUNT(*) AS n, MAX(v) AS mx FROM t GROUP BY b, ts, m" },
        { "group keys past the third (window aggregate)", "SELECT window_start, k, b, v, m, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '5' SECOND) GROUP BY window_start, k, b, v, m" },
        { "values typed at run time (schemaless)", "SELECT k, SUM(v) AS s, AVG(v) AS a, MIN(v) AS mn, MAX(v) AS mx, COUNT(v) AS n FROM raw GROUP BY k" },
        { "distinct", "SELECT DISTINCT k, b FROM t" },
        { "distinct rows of five columns", "SELECT DISTINCT k, b, v, k AS k2, b AS b2 FROM t" },
        { "distinct over a changelog", "SELECT DISTINCT n FROM (SELECT k, COUNT(*) AS n FROM t GROUP BY k) c" },
        { "interval join", "SELECT t.k, t.v, t.j, t.m, t.b, u.w FROM t JOIN u ON t.k = u.k AND u.ts BETWEEN t.ts AND t.ts + INTERVAL '1' SECOND" },
        { "left outer interval join (padding)", "SELECT t.k, t.v, u.w FROM t LEFT JOIN u ON t.k = u.k AND u.ts BETWEEN t.ts AND t.ts + INTERVAL '1' SECOND" },
        { "full outer join of a stream and a changelog", "SELECT t.k AS tk, t.v, c.k AS ck, c.n FROM t FULL JOIN (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c ON t.k = c.k AND c.n < 8" },
        { "union all under an aggregate", "SELECT k, COUNT(*) AS n, SUM(x) AS s FROM (SELECT k, v AS x FROM t UNION ALL SELECT k, w AS x FROM u) a GROUP BY k" },
        { "top-N per partition with rank", "SELECT * FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM t) x WHERE rn <= 3" },
        { "deduplication (top-1 by time)", "SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn FROM t) x WHERE rn = 1" },
        { "ORDER BY LIMIT", "SELECT k, v, d FROM t ORDER BY v DESC, d LIMIT 5" },
        { "top-N over a changelog (every row kept)", "SELECT * FROM (SELECT k, n, ROW_NUMBER() OVER (ORDER BY n DESC, k) AS rn FROM (SELECT k, COUNT(*) AS n FROM t GROUP BY k) c) x WHERE rn <= 2" },
        { "late events behind a watermark delay", "SELECT window_start, COUNT(*) AS n, SUM(v) AS s FROM TUMBLE(late, ts, INTERVAL '2' SECOND) GROUP BY window_start" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void A_restored_pipeline_continues_exactly_as_the_checkpointed_one(string what, string sql)
    {
        var query = QueryCompiler.Compile(sql, TestShapes.Instance);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var pushes = TestEvents.Pushes(query, seed, 600);
            CheckpointProperty.Holds(query, pushes, CheckpointProperty.Cuts(seed, pushes.Count, 3), $"{what} (seed {seed})");
        }
    }
}

/// <summary>Seeded events for the test streams, fed to every input of a query that reads their stream.</summary>
internal static class TestEvents
{
    private static readonly string[] Keys = ["a", "b", "c", "d", "e", "f"];

    public static List<Push> Pushes(CompiledQuery query, int seed, int perStream)
    {
        var random = new Random(seed);
        var events = new List<(string Stream, DateTime Time, Dictionary<string, object?> Values)>();
        for (var i = 0; i < perStream; i++)
        {
            // 0.1 s apart with up to 1.5 s of disorder, so windows close mid-stream and some events come late.
            foreach (var stream in new[] { "t", "u", "raw", "late" })
            {
                var time = QueryRun.At(i * 0.1 - random.NextDouble() * 1.5);
                events.Add((stream, time, Values(stream, random, i, time)));
            }
        }
        var offsets = new Dictionary<string, long>();
        var pushes = new List<Push>();
        foreach (var (stream, time, values) in events)
        {
            var offset = offsets.GetValueOrDefault(stream);
            offsets[stream] = offset + 1;
            for (var input = 0; input < query.Inputs.Count; input++)
            {
                if (query.Inputs[input].Stream != stream) continue;
                var row = query.Inputs[input].Columns.Select(c => values.GetValueOrDefault(c.Name)).ToArray();
                pushes.Add(new Push(input, new InputEvent(offset, time, row)));
            }
        }
        return pushes;
    }

    private static Dictionary<string, object?> Values(string stream, Random random, int i, DateTime time)
    {
        var k = Keys[random.Next(Keys.Length)];
        return stream switch
        {
            "t" => new()
            {
                ["k"] = k,
                ["v"] = random.Next(10) == 0 ? null : (long)random.Next(-5, 30),
                ["d"] = random.NextDouble() * 100,
                ["m"] = decimal.Round((decimal)random.NextDouble() * 10, random.Next(0, 4)),
                ["b"] = random.Next(2) == 0,
                ["ts"] = time,
                ["j"] = random.Next(4) == 0 ? null : Json($$"""{"x":{{random.Next(3)}},"s":"{{k}}"}"""),
            },
            "u" => new() { ["k"] = k, ["w"] = (long)random.Next(0, 12), ["ts"] = time },
            "late" => new() { ["k"] = k, ["v"] = (long)random.Next(0, 9), ["ts"] = time },
            _ => new()
            {
                ["k"] = k,
                ["v"] = random.Next(5) switch
                {
                    0 => (long)random.Next(100),
                    1 => random.NextDouble() * 10,
                    2 => decimal.Round((decimal)random.NextDouble() * 10, 2),
                    3 => Json(random.Next(50).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    _ => null,
                },
            },
        };
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
