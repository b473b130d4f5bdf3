using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// <see cref="GroupTableCapture"/>'s hand-over of one group between the writer thread and the driver, made deterministic
/// with an accumulator whose serialization stops until the test lets it go: whichever side is in the middle of a group,
/// the other waits for it, and a group the driver could not serialize fails the checkpoint instead of writing old bytes.
/// </summary>
public sealed class GroupTableCaptureTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    // How long a side is given to finish although it must not (it spins until released): a side that does not wait
    // finishes well within it; the correct code never does, so no timing can fail it.
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(300);

    private readonly GateAccumulator gate = new();
    private readonly AggregateGroup group;

    public GroupTableCaptureTests()
    {
        group = new AggregateGroup(GroupKey.OfRow(["a"]), [gate]) { Rows = 1 };
    }

    private static async Task<bool> FinishesWithin(Task task, TimeSpan time)
    {
        try
        {
            await task.WaitAsync(time);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static GroupTableCapture Capture(AggregateGroup group, int epoch) => new([group], null, epoch, null, _ => { });

    private byte[] Expected()
    {
        var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write(1);
        AggregateGroup.Write(writer, group);
        return stream.ToArray();
    }

    private static byte[] Serialize(GroupTableCapture capture)
    {
        var stream = new MemoryStream();
        capture.Write(new BinaryWriter(stream));
        return stream.ToArray();
    }

    [Fact]
    public async Task The_driver_waits_for_the_writer_in_the_middle_of_a_group_before_changing_it()
    {
        var expected = Expected();
        var capture = Capture(group, 1);
        gate.StopNextWrite();
        var writing = Task.Run(() => Serialize(capture));
        Assert.True(gate.Stopped.Wait(Long), "the writer never reached the group");

        var changing = Task.Run(() => capture.BeforeChange(group));
        Assert.False(await FinishesWithin(changing, Moment), "the driver went on while the writer was in the middle of the group");
        gate.Go();
        await changing.WaitAsync(Long);
        Assert.Equal(expected, await writing.WaitAsync(Long));
    }

    [Fact]
    public async Task The_writer_waits_for_the_driver_in_the_middle_of_a_group_and_copies_its_bytes()
    {
        var expected = Expected();
        var capture = Capture(group, 1);
        gate.StopNextWrite();
        var changing = Task.Run(() => capture.BeforeChange(group));
        Assert.True(gate.Stopped.Wait(Long), "the driver never serialized the group");

        var writing = Task.Run(() => Serialize(capture));
        Assert.False(await FinishesWithin(writing, Moment), "the writer went on while the driver was in the middle of the group");
        gate.Go();
        await changing.WaitAsync(Long);
        Assert.Equal(expected, await writing.WaitAsync(Long));
        Assert.Null(group.CapturedBytes);
    }

    [Fact]
    public void A_group_the_driver_cannot_serialize_fails_the_checkpoint_and_not_with_bytes_of_an_earlier_capture()
    {
        // An earlier capture the driver copied the group for, and that was never written (its checkpoint was abandoned).
        var abandoned = Capture(group, 1);
        abandoned.BeforeChange(group);
        Assert.NotNull(group.CapturedBytes);
        abandoned.Release();

        gate.Refuse = true;
        var capture = Capture(group, 2);
        capture.BeforeChange(group);
        var error = Assert.Throws<NotSupportedException>(() => Serialize(capture));
        Assert.Contains("a value a checkpoint cannot hold", error.Message);
    }

    /// <summary>An accumulator whose checkpoint bytes are one number, which can stop in the middle of writing them or refuse to.</summary>
    private sealed class GateAccumulator : Accumulator
    {
        private readonly ManualResetEventSlim go = new(true);

        public ManualResetEventSlim Stopped { get; } = new(false);

        public bool Refuse { get; set; }

        public void StopNextWrite()
        {
            Stopped.Reset();
            go.Reset();
        }

        public void Go() => go.Set();

        public override void Add(object? value)
        {
        }

        public override void Retract(object? value)
        {
        }

        public override object? Result() => 42L;

        public override void Merge(Accumulator other)
        {
        }

        public override void WriteState(BinaryWriter writer)
        {
            if (Refuse) throw new NotSupportedException("refused");
            Stopped.Set();
            go.Wait();
            writer.Write(42L);
        }

        public override void ReadState(BinaryReader reader) => reader.ReadInt64();
    }
}
