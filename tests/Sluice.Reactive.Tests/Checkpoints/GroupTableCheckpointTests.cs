using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Tests.Engine;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// A GROUP BY's table in checkpoints: format 3 stores a marker where a group's last emitted row is its current result,
/// reads format 2 still, and is captured copy-on-write so it can be serialized off the driver while the driver goes on.
/// </summary>
public sealed class GroupTableCheckpointTests
{
    // Written by the release before format 3 (commit 5b0c830) for "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM g GROUP BY k"
    // over g(k text, v decimal) after ("a", 1.0), ("b", 2.50), ("a", 1.00): groups a (2 rows, sum 2.00) and b.
    private const string Version2Blob =
        "U0xDSwIAAAADAAAAKAAAAAMAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIC19/V/nwimAAAAAgAAAAEAAAAEAWECAAAAAAAAAMgAAAAAAAAAAAAAAAAAAgACAAAAAAAAAAIAAAAAAAAAAQMAAAAEAWEBAgAAAAAAAAADyAAAAAAAAAAAAAAAAAACAAEAAAAEAWIBAAAAAAAAAPoAAAAAAAAAAAAAAAAAAgABAAAAAAAAAAEAAAAAAAAAAQMAAAAEAWIBAQAAAAAAAAAD+gAAAAAAAAAAAAAAAAACAAgAAAAAgLX39X+fCA==";

    [Fact]
    public void A_version_2_checkpoint_of_a_group_table_is_still_read()
    {
        using var restored = new CheckpointedPipeline(QueryCompiler.Compile("SELECT k, COUNT(*) AS n, SUM(v) AS s FROM g GROUP BY k", new DecimalShapes()));
        restored.Restore(Convert.FromBase64String(Version2Blob), 2);
        Assert.Equal(2, restored.Stats.StateSize);

        restored.Run([new Push(0, new InputEvent(3, DateTime.UnixEpoch, ["a", 0.5m]))]);

        // The group continues from its restored state, and retracts the very row it emitted before the restart (2.00, not 2.0).
        Assert.Equal([ChangeOp.Delete, ChangeOp.Insert], restored.Rows.Select(r => r.Op));
        Assert.Equal(["a", "2", "2.00"], restored.Rows[0].Values.Select(Print));
        Assert.Equal(["a", "3", "2.50"], restored.Rows[1].Values.Select(Print));
    }

    [Fact]
    public void A_last_emitted_row_that_differs_from_the_result_only_in_scale_is_kept_as_emitted()
    {
        var query = QueryCompiler.Compile("SELECT k, SUM(v) AS s FROM g GROUP BY k", new DecimalShapes());
        using var pipeline = new CheckpointedPipeline(query);
        // 1.0 + 0.00 = 1.00 equals 1.0, so nothing is emitted for the second event: the group's last row stays 1.0.
        pipeline.Run([new Push(0, new InputEvent(0, DateTime.UnixEpoch, ["a", 1.0m])), new Push(0, new InputEvent(1, DateTime.UnixEpoch, ["a", 0.00m]))]);
        Assert.Single(pipeline.Rows);

        using var restored = new CheckpointedPipeline(query);
        restored.Restore(pipeline.Checkpoint());
        restored.Run([new Push(0, new InputEvent(2, DateTime.UnixEpoch, ["a", 1m]))]);

        Assert.Equal(["a", "1.0"], restored.Rows[0].Values.Select(Print));
        Assert.Equal(["a", "2.00"], restored.Rows[1].Values.Select(Print));
    }

    [Fact]
    public void A_group_whose_last_row_is_its_result_is_stored_without_a_second_copy_of_that_row()
    {
        var query = QueryCompiler.Compile("SELECT k, COUNT(*) AS n, SUM(v) AS s FROM g GROUP BY k", new DecimalShapes());
        var key = "a key long enough to be found: " + new string('x', 64);
        using var pipeline = new CheckpointedPipeline(query);
        pipeline.Run([new Push(0, new InputEvent(0, DateTime.UnixEpoch, [key, 1.5m])), new Push(0, new InputEvent(1, DateTime.UnixEpoch, [key, 2.5m]))]);

        // The key is written once, as the group's key: the row it last emitted (key, 2, 4.0) is its result, stored as a marker.
        var blob = pipeline.Checkpoint();
        Assert.Equal(1, Occurrences(blob, System.Text.Encoding.UTF8.GetBytes(key)));

        // And the marker stands for that very row: the next change retracts it.
        using var restored = new CheckpointedPipeline(query);
        restored.Restore(blob);
        restored.Run([new Push(0, new InputEvent(2, DateTime.UnixEpoch, [key, 1m]))]);
        Assert.Equal([key, "2", "4.0"], restored.Rows[0].Values.Select(Print));
        Assert.Equal([key, "3", "5.0"], restored.Rows[1].Values.Select(Print));
    }

    [Fact]
    public void A_restored_group_whose_kept_row_holds_json_still_emits_nothing_for_a_change_that_leaves_it_as_it_was()
    {
        // FIRST_VALUE(j) is JSON (compared by identity); 1.0 + 0.00 = 1.00 equals 1.0 but prints differently, so the
        // group keeps the row it emitted, JSON included, instead of a marker.
        var query = QueryCompiler.Compile("SELECT k, FIRST_VALUE(j ORDER BY ts) AS fj, SUM(m) AS s FROM t GROUP BY k", TestShapes.Instance);
        object?[] T(decimal m, double seconds, string json) =>
            ["a", null, null, m, null, QueryRun.At(seconds), System.Text.Json.JsonDocument.Parse(json).RootElement.Clone()];
        using var pipeline = new CheckpointedPipeline(query);
        pipeline.Run([new Push(0, new InputEvent(0, QueryRun.At(1), T(1.0m, 1, """{"n":1}"""))), new Push(0, new InputEvent(1, QueryRun.At(2), T(0.00m, 2, """{"n":2}""")))]);
        Assert.Single(pipeline.Rows);

        using var restored = new CheckpointedPipeline(query);
        restored.Restore(pipeline.Checkpoint());
        restored.Run([new Push(0, new InputEvent(2, QueryRun.At(3), T(0.0m, 3, """{"n":3}""")))]);
        Assert.Empty(restored.Rows);

        restored.Run([new Push(0, new InputEvent(3, QueryRun.At(4), T(1m, 4, """{"n":4}""")))]);
        Assert.Equal(["a", """{"n":1}""", "1.0"], restored.Rows[0].Values.Select(Print));
        Assert.Equal(["a", """{"n":1}""", "2.00"], restored.Rows[1].Values.Select(Print));
    }

    private static int Occurrences(byte[] blob, byte[] part)
    {
        var count = 0;
        for (var at = blob.AsSpan().IndexOf(part); at >= 0; at = blob.AsSpan(at + 1).IndexOf(part) is var next and >= 0 ? at + 1 + next : -1) count++;
        return count;
    }

    [Fact]
    public void A_restored_group_that_is_never_touched_again_is_written_the_same()
    {
        using var pipeline = Pipeline(out var pushes);
        pipeline.Run(pushes.Take(15_000));
        var blob = pipeline.Checkpoint();

        using var restored = new CheckpointedPipeline(pipeline.Query);
        restored.Restore(blob);
        var again = restored.Checkpoint();

        // The same groups, each written as before (a marker stays a marker). Only their order may differ: it is the
        // table's slot order, which follows the string hash codes (seeded per process) and the table's growth history.
        Assert.Equal(blob.Length, again.Length);
        Assert.Equal(Sorted(blob), Sorted(again));
        using var twice = new CheckpointedPipeline(pipeline.Query);
        twice.Restore(again);
        restored.Run(pushes.Skip(15_000));
        twice.Run(pushes.Skip(15_000));
        Assert.NotEmpty(restored.Rows);
        Assert.Equal(restored.Rows.Select(Printed), twice.Rows.Select(Printed));
    }

    private static string Printed(OutputRow row) => $"{row.Op} {string.Join(",", row.Values.Select(Print))}";

    private static byte[] Sorted(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        Array.Sort(copy);
        return copy;
    }

    [Fact]
    public async Task A_capture_serialized_on_another_thread_while_the_driver_changes_and_removes_groups_is_the_state_at_the_capture()
    {
        using var pipeline = Pipeline(out var pushes);
        var cut = pushes.Count / 2;
        pipeline.Run(pushes.Take(cut));
        var expected = pipeline.Checkpoint();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var again = new CheckpointedPipeline(pipeline.Query);
            again.Run(pushes.Take(cut));
            var captured = again.Capture();
            // The writer serializes while this thread pushes the rest: each group goes through whichever claims it first.
            var writing = Task.Run(captured.Serialize);
            again.Run(pushes.Skip(cut));
            Assert.Equal(expected, await writing.WaitAsync(TimeSpan.FromSeconds(60)));
        }
    }

    [Fact]
    public void A_second_capture_while_the_first_is_open_is_refused_and_a_released_one_allows_the_next()
    {
        using var pipeline = Pipeline(out var pushes);
        pipeline.Run(pushes);
        var first = pipeline.Capture();
        Assert.Throws<InvalidOperationException>(() => pipeline.Capture());
        first.Release();
        Assert.Equal(pipeline.Checkpoint(), pipeline.Capture().Serialize());
    }

    /// <summary>
    /// A nested GROUP BY over 2,000 keys: the outer table sees retractions, so groups are removed and created again
    /// after a capture as well as changed.
    /// </summary>
    private static CheckpointedPipeline Pipeline(out List<Push> pushes)
    {
        var query = QueryCompiler.Compile("SELECT n, COUNT(*) AS c, SUM(v) AS s FROM (SELECT k, COUNT(*) AS n, SUM(v) AS v FROM g GROUP BY k) x GROUP BY n", new DecimalShapes());
        var random = new Random(7);
        pushes = Enumerable.Range(0, 20_000)
            .Select(i => new Push(0, new InputEvent(i, DateTime.UnixEpoch.AddSeconds(i), [$"k{random.Next(2_000)}", decimal.Round((decimal)random.NextDouble() * 10, random.Next(0, 3))])))
            .ToList();
        return new CheckpointedPipeline(query);
    }

    private static string Print(object? value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "NULL";

    private sealed class DecimalShapes : IStreamShapes
    {
        public StreamShape? Find(string name) =>
            name == "g" ? new StreamShape("g", [new("k", ColumnType.Text), new("v", ColumnType.Decimal)], null, TimeSpan.Zero) : null;
    }
}
