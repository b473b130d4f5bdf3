using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Tests.Engine.Operators;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// A GROUP BY's table is restored lazily (RestoredGroups): each group stays as checkpoint bytes until an event first
/// looks its key up. Results, later checkpoints and captures must be exactly those of a table decoded whole.
/// </summary>
public sealed class LazyGroupRestoreTests
{
    [Fact]
    public void A_restored_table_checkpointed_before_any_event_is_the_very_blob_it_was_read_from()
    {
        using var pipeline = Pipeline(out var pushes);
        pipeline.Run(pushes.Take(12_000));
        var blob = pipeline.Checkpoint();

        using var restored = new CheckpointedPipeline(pipeline.Query);
        restored.Restore(blob);

        // Untouched groups are written as the bytes they were read from, in the same order: nothing was decoded.
        Assert.Equal(blob, restored.Checkpoint());
        Assert.Equal(blob, restored.Capture().Serialize());
        Assert.Equal(pipeline.Stats.StateSize, restored.Stats.StateSize);
    }

    [Fact]
    public void A_restore_keeps_no_object_per_group()
    {
        // What made a restart of a million groups slow: four surviving objects and ~270 B per group decoded up front.
        const int Groups = 20_000;
        var query = QueryCompiler.Compile("SELECT k, COUNT(*) AS n FROM g GROUP BY k", new BigintShapes());
        using var pipeline = new CheckpointedPipeline(query);
        pipeline.Run(Enumerable.Range(0, Groups).Select(i => new Push(0, new InputEvent(i, DateTime.UnixEpoch, [(long)i]))));
        var blob = pipeline.Checkpoint();

        using var restored = new CheckpointedPipeline(query);
        var before = GC.GetAllocatedBytesForCurrentThread();
        restored.Restore(blob);
        var perGroup = (GC.GetAllocatedBytesForCurrentThread() - before) / Groups;

        // The view of the blob: a start offset, a hash slot pair and a flag per group, and the key read for its hash.
        Assert.True(perGroup < 100, $"the restore allocated {perGroup} B per group");
        restored.Run([new Push(0, new InputEvent(Groups, DateTime.UnixEpoch, [7L]))]);
        Assert.Equal(["Delete 7,1", "Insert 7,2"], restored.Rows.Select(Printed));
        Assert.Equal(Groups, restored.Stats.StateSize);
    }

    [Fact]
    public async Task A_capture_of_a_restored_table_serialized_while_the_driver_decodes_changes_and_removes_its_groups_is_the_state_at_the_capture()
    {
        using var pipeline = Pipeline(out var pushes);
        var (restart, cut) = (6_000, 13_000);
        pipeline.Run(pushes.Take(restart));
        using var reference = new CheckpointedPipeline(pipeline.Query);
        reference.Run(pushes.Take(cut));
        var referenceAtCut = reference.Rows.Count;
        reference.Run(pushes.Skip(cut));

        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var restored = new CheckpointedPipeline(pipeline.Query);
            restored.Restore(pipeline.Checkpoint());
            restored.Run(pushes.Take(cut).Skip(restart));
            var expected = restored.Checkpoint();
            var captured = restored.Capture();
            var restoredAtCut = restored.Rows.Count;
            // The writer copies untouched groups' bytes and serializes decoded ones while this thread goes on: it decodes
            // more restored groups (which the capture holds as bytes), changes decoded ones and removes groups.
            var writing = Task.Run(captured.Serialize);
            restored.Run(pushes.Skip(cut));
            var blob = await writing.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(expected, blob);

            // Restored again from that capture, the query goes on exactly as a run that never stopped.
            using var again = new CheckpointedPipeline(pipeline.Query);
            again.Restore(blob);
            again.Run(pushes.Skip(cut));
            Assert.NotEmpty(again.Rows);
            Assert.Equal(restored.Rows.Skip(restoredAtCut).Select(Printed), again.Rows.Select(Printed));
            Assert.Equal(reference.Rows.Skip(referenceAtCut).Select(Printed), again.Rows.Select(Printed));
            Assert.Equal(reference.Stats.StateSize, again.Stats.StateSize);
        }
    }

    [Fact]
    public void A_table_read_lazily_and_one_decoded_whole_give_the_same_rows_and_the_same_groups()
    {
        AggregateSpec[] specs = [Spec(AggregateKind.CountStar, null), Spec(AggregateKind.Sum, E.Column(1))];
        var written = Sink(specs, new ElementRecorder(), new QueryStats());
        for (var i = 0; i < 500; i++) written.OnNext(E.Ins(i, $"k{i % 97}", (long)i));
        var state = Write(written.WriteState);

        var lazyOutput = new ElementRecorder();
        var lazyStats = new QueryStats();
        var lazy = Sink(specs, lazyOutput, lazyStats);
        // A stream that exposes its buffer: the table keeps a view of the blob and decodes groups when touched.
        lazy.ReadState(new BinaryReader(new MemoryStream(state, 0, state.Length, writable: false, publiclyVisible: true)));
        var wholeOutput = new ElementRecorder();
        var wholeStats = new QueryStats();
        var whole = Sink(specs, wholeOutput, wholeStats);
        // One that does not: every group is decoded at once.
        whole.ReadState(new BinaryReader(new MemoryStream(state)));

        foreach (var sink in new[] { lazy, whole })
        {
            sink.OnNext(E.Ins(600, "k5", 1L));
            sink.OnNext(E.Del(601, "k6", 6L)); // retract one row of a restored group
            sink.OnNext(E.Ins(602, "new", 2L));
        }
        Assert.Equal(wholeOutput.Rows, lazyOutput.Rows);
        Assert.Equal(5, lazyOutput.Rows.Count); // k5: - and +; k6: - and +; new: +
        Assert.Equal(wholeStats.StateSize, lazyStats.StateSize);
        Assert.Equal(98, lazyStats.StateSize);
        Assert.Equal(Groups(Write(whole.WriteState)), Groups(Write(lazy.WriteState)));
    }

    // A restored group decoded on its first event lives in the operator's table from then on: once retractions empty
    // it there, its key coming back starts a new group, not the checkpoint's bytes again.
    [Fact]
    public void A_restored_group_emptied_by_retractions_comes_back_from_nothing()
    {
        AggregateSpec[] specs = [Spec(AggregateKind.CountStar, null), Spec(AggregateKind.Sum, E.Column(1))];
        var written = Sink(specs, new ElementRecorder(), new QueryStats());
        written.OnNext(E.Ins(1, "a", 5L));
        written.OnNext(E.Ins(2, "b", 7L));
        var state = Write(written.WriteState);

        var output = new ElementRecorder();
        var stats = new QueryStats();
        var restored = Sink(specs, output, stats);
        restored.ReadState(new BinaryReader(new MemoryStream(state, 0, state.Length, writable: false, publiclyVisible: true)));
        restored.OnNext(E.Del(3, "a", 5L)); // the group's only row: the group leaves
        restored.OnNext(E.Ins(4, "a", 2L));
        restored.OnNext(E.Ins(5, "b", 1L));

        Assert.Equal(["-a|1|5@3", "+a|1|2@4", "-b|1|7@5", "+b|2|8@5"], output.Log);
        Assert.Equal(2, stats.StateSize);
    }

    private static GroupAggregateSink Sink(AggregateSpec[] specs, ElementRecorder output, QueryStats stats) =>
        new(output, [E.Column(0)], specs, stats, "aggregate");

    private static AggregateSpec Spec(AggregateKind kind, Func<object?[], object?>? argument) =>
        new(new AggregateCall(kind, null, false, SqlType.Bigint), argument, retractable: true);

    private static byte[] Write(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        return stream.ToArray();
    }

    // The groups of a table's state, each as its own bytes, in key order (a table decoded whole writes them in slot order).
    private static List<string> Groups(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        var count = reader.ReadInt32();
        var groups = new List<string>();
        AggregateSpec[] specs = [Spec(AggregateKind.CountStar, null), Spec(AggregateKind.Sum, E.Column(1))];
        for (var i = 0; i < count; i++)
        {
            var start = (int)reader.BaseStream.Position;
            AggregateGroup.Skip(reader, specs, null);
            groups.Add(Convert.ToHexString(state, start, (int)reader.BaseStream.Position - start));
        }
        groups.Sort(StringComparer.Ordinal);
        return groups;
    }

    /// <summary>A nested GROUP BY over 2,000 keys: the outer table sees retractions, so groups are removed and created again.</summary>
    private static CheckpointedPipeline Pipeline(out List<Push> pushes)
    {
        var query = QueryCompiler.Compile("SELECT n, COUNT(*) AS c, SUM(v) AS s FROM (SELECT k, COUNT(*) AS n, SUM(v) AS v FROM g GROUP BY k) x GROUP BY n", new DecimalShapes());
        var random = new Random(11);
        pushes = Enumerable.Range(0, 20_000)
            .Select(i => new Push(0, new InputEvent(i, DateTime.UnixEpoch.AddSeconds(i), [$"k{random.Next(2_000)}", decimal.Round((decimal)random.NextDouble() * 10, random.Next(0, 3))])))
            .ToList();
        return new CheckpointedPipeline(query);
    }

    private static string Printed(OutputRow row) =>
        $"{row.Op} {string.Join(",", row.Values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"))}";

    private sealed class BigintShapes : IStreamShapes
    {
        public StreamShape? Find(string name) => name == "g" ? new StreamShape("g", [new("k", ColumnType.Bigint)], null, TimeSpan.Zero) : null;
    }

    private sealed class DecimalShapes : IStreamShapes
    {
        public StreamShape? Find(string name) =>
            name == "g" ? new StreamShape("g", [new("k", ColumnType.Text), new("v", ColumnType.Decimal)], null, TimeSpan.Zero) : null;
    }
}
