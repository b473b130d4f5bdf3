using System.Reactive;
using System.Reactive.Subjects;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>One input event for a pipeline: which of the query's inputs it goes to, and the event.</summary>
internal readonly record struct Push(int Input, InputEvent Event);

/// <summary>
/// A pipeline of a compiled query driven from a list of pushes, as the runtime's driver drives it (synchronously, one
/// push at a time), whose state can be written into a checkpoint blob or read back from one.
/// </summary>
internal sealed class CheckpointedPipeline : IDisposable
{
    private readonly Subject<InputEvent>[] subjects;
    private readonly IDisposable subscription;
    private readonly PipelineCheckpoint state;

    public CheckpointedPipeline(CompiledQuery query)
    {
        Query = query;
        subjects = query.Inputs.Select(_ => new Subject<InputEvent>()).ToArray();
        subscription = query.Build(subjects, Stats).Subscribe(Observer.Create<OutputRow>(Rows.Add, e => Error = e, () => Completed = true));
        state = PipelineCheckpoint.Of(subscription, Stats) ?? throw new InvalidOperationException("Every operator of the query should be checkpointable.");
    }

    public CompiledQuery Query { get; }

    public QueryStats Stats { get; } = new();

    public List<OutputRow> Rows { get; } = [];

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    public void Run(IEnumerable<Push> pushes)
    {
        foreach (var push in pushes)
        {
            subjects[push.Input].OnNext(push.Event);
            if (Error is not null) throw new InvalidOperationException("The pipeline failed: " + Error.Message, Error);
        }
    }

    public void Complete()
    {
        foreach (var subject in subjects) subject.OnCompleted();
        if (Error is not null) throw new InvalidOperationException("The pipeline failed: " + Error.Message, Error);
    }

    public byte[] Checkpoint() => state.Write();

    /// <summary>The state captured now, serialized later (what the runtime does, off the driver).</summary>
    public PipelineSnapshot Capture() => state.Capture();

    public void Restore(byte[] blob, int version = CheckpointFormat.Current) => state.Read("q", version, blob);

    public void Dispose() => subscription.Dispose();
}

/// <summary>
/// The property every checkpoint must have: a pipeline checkpointed between two pushes, and a fresh pipeline restored from
/// that checkpoint and fed the rest, produce the very same rows (op, values, event time, in order) as the checkpointed
/// pipeline itself goes on to produce; and the whole output equals, in order, that of a run that never checkpointed.
/// The state captured at the cut and serialized only after the rest was pushed (as the runtime does, off the driver) is
/// the very blob written at the cut.
/// </summary>
internal static class CheckpointProperty
{
    public static void Holds(CompiledQuery query, IReadOnlyList<Push> pushes, IEnumerable<int> cuts, string what)
    {
        List<OutputRow> reference;
        using (var uninterrupted = new CheckpointedPipeline(query))
        {
            uninterrupted.Run(pushes);
            uninterrupted.Complete();
            reference = uninterrupted.Rows;
        }
        Assert.True(reference.Count > 0, $"{what}: the query produced no rows; the test would prove nothing");

        foreach (var cut in cuts)
        {
            using var checkpointed = new CheckpointedPipeline(query);
            checkpointed.Run(pushes.Take(cut));
            var blob = checkpointed.Checkpoint();
            var captured = checkpointed.Capture();
            var rowsAtCut = checkpointed.Rows.Count;
            var stateAtCut = checkpointed.Stats.StateSize;
            var lateAtCut = checkpointed.Stats.LateEvents;
            checkpointed.Run(pushes.Skip(cut));
            // Serialized after the pipeline went on (copy-on-write): still the state at the cut, byte for byte.
            Assert.True(blob.AsSpan().SequenceEqual(captured.Serialize()), $"{what}: the state captured at push {cut} and serialized later differs from the state written then");
            checkpointed.Complete();

            using var restored = new CheckpointedPipeline(query);
            restored.Restore(blob);
            Assert.Equal(stateAtCut, restored.Stats.StateSize);
            Assert.Equal(lateAtCut, restored.Stats.LateEvents);
            restored.Run(pushes.Skip(cut));
            restored.Complete();

            AssertSameRows(checkpointed.Rows.Skip(rowsAtCut).ToList(), restored.Rows, $"{what}, restored at push {cut} of {pushes.Count}");
            AssertSameRows(reference, checkpointed.Rows, $"{what}, checkpointed at push {cut} of {pushes.Count} vs never checkpointed");
            Assert.True(restored.Completed, $"{what}: the restored pipeline did not complete");
        }
    }

    /// <summary>Cut points between pushes, drawn from a seeded random source, away from the very ends.</summary>
    public static int[] Cuts(int seed, int pushes, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(1, pushes)).Order().ToArray();
    }

    private static void AssertSameRows(IReadOnlyList<OutputRow> expected, IReadOnlyList<OutputRow> actual, string what)
    {
        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.True(e.Op == a.Op && e.EventTime == a.EventTime && e.Values.SequenceEqual(a.Values, ValueEquality.Instance),
                $"{what}: row {i} differs: expected {Describe(e)}, got {Describe(a)}");
        }
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} rows, got {actual.Count}");
    }

    private static string Describe(OutputRow row) =>
        $"{row.Op} @{row.EventTime:O} [{string.Join(", ", row.Values.Select(v => v is null ? "NULL" : $"{v} ({v.GetType().Name})"))}]";

    /// <summary>Values equal by type and value; JSON values (which compare by reference) by their text.</summary>
    private sealed class ValueEquality : IEqualityComparer<object?>
    {
        public static readonly ValueEquality Instance = new();

        public new bool Equals(object? x, object? y) => (x, y) switch
        {
            (System.Text.Json.JsonElement a, System.Text.Json.JsonElement b) => a.GetRawText() == b.GetRawText(),
            (object?[] a, object?[] b) => a.SequenceEqual(b, this),
            (decimal a, decimal b) => a == b && a.Scale == b.Scale,
            _ => object.Equals(x, y) && x?.GetType() == y?.GetType(),
        };

        public int GetHashCode(object? obj) => 0;
    }
}
