using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Tests.Engine;
using Sluice.Reactive.Tests.Engine.Operators;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// The fused TUMBLE/HOP aggregate checkpointed at chosen moments, element by element over rows [k, v, ts] with
/// COUNT(*) per k and window_end: a restored operator goes on exactly as the checkpointed one does, rows in the same order.
/// </summary>
public sealed class SlicedWindowCheckpointTests
{
    private static SlicedWindowAggregateSink Create(ElementRecorder output, double sizeSeconds, double slideSeconds, bool keyless = false) => new(output, 2,
        TimeSpan.FromSeconds(sizeSeconds).Ticks, TimeSpan.FromSeconds(slideSeconds).Ticks,
        keyless ? [] : [E.Column(0)], keyless ? [SlicedWindowAggregateSink.WindowEndKey] : [0, SlicedWindowAggregateSink.WindowEndKey],
        [new AggregateSpec(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, false)], new QueryStats(), "window aggregate");

    private static Element Event(string k, double seconds) => Element.Insert([k, 1L, QueryRun.At(seconds)], E.T(seconds));

    private static SlicedWindowAggregateSink Restore(ElementRecorder output, double sizeSeconds, double slideSeconds, SlicedWindowAggregateSink from, bool keyless = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) from.WriteState(writer);
        var restored = Create(output, sizeSeconds, slideSeconds, keyless);
        stream.Position = 0;
        restored.ReadState(new BinaryReader(stream));
        return restored;
    }

    [Fact]
    public void A_hop_whose_running_table_lost_a_group_emits_the_next_window_in_the_same_order_once_restored()
    {
        var original = new ElementRecorder();
        var hop = Create(original, 4, 2);
        hop.OnNext(Event("a", 1));
        hop.OnNext(Event("b", 1));
        hop.OnNext(Event("a", 3));
        hop.OnNext(Event("c", 3));
        hop.OnNext(E.Wm(4)); // windows ending at 2 s and 4 s; then the slice [0 s, 2 s) leaves, and b with it
        Assert.Equal(["+a|00:00:02.000|1", "+b|00:00:02.000|1", "+a|00:00:04.000|2", "+b|00:00:04.000|1", "+c|00:00:04.000|1"], original.Rows);

        var restoredOutput = new ElementRecorder();
        var restored = Restore(restoredOutput, 4, 2, hop);
        var before = original.Rows.Count;
        foreach (var sink in new[] { hop, restored })
        {
            sink.OnNext(Event("d", 5)); // a new group, where the table had b
            sink.OnNext(E.Wm(6));
        }

        Assert.Equal(["+a|00:00:06.000|1", "+c|00:00:06.000|1", "+d|00:00:06.000|1"], original.Rows.Skip(before));
        Assert.Equal(original.Rows.Skip(before), restoredOutput.Rows);
    }

    [Fact]
    public void A_tumble_checkpointed_after_the_slice_of_its_last_event_closed_restores_and_goes_on()
    {
        var original = new ElementRecorder();
        var tumble = Create(original, 2, 2);
        tumble.OnNext(Event("a", 1));
        tumble.OnNext(E.Wm(2)); // the window [0 s, 2 s) of the last event closes, its slice is released

        var restoredOutput = new ElementRecorder();
        var restored = Restore(restoredOutput, 2, 2, tumble);
        restored.OnNext(Event("a", 1.5)); // late
        restored.OnNext(Event("a", 3));
        restored.OnNext(E.Wm(4));

        Assert.Equal(["+a|00:00:02.000|1"], original.Rows);
        Assert.Equal(["+a|00:00:04.000|1"], restoredOutput.Rows);
    }

    [Fact]
    public void A_tumble_without_group_keys_checkpointed_inside_a_window_counts_on_in_the_same_group_once_restored()
    {
        var original = new ElementRecorder();
        var tumble = Create(original, 2, 2, keyless: true);
        tumble.OnNext(Event("a", 0.5));

        var restoredOutput = new ElementRecorder();
        var restored = Restore(restoredOutput, 2, 2, tumble, keyless: true);
        foreach (var sink in new[] { tumble, restored })
        {
            sink.OnNext(Event("b", 1.5)); // the same window: the restored key with no values must be the live one
            sink.OnNext(E.Wm(2));
        }

        Assert.Equal(["+00:00:02.000|2"], original.Rows);
        Assert.Equal(original.Rows, restoredOutput.Rows);
    }
}
