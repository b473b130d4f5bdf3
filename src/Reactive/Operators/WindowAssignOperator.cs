using Sluice.Reactive.Planning;
using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Windows;

namespace Sluice.Reactive.Operators;

/// <summary>
/// TUMBLE / HOP table function: appends window_start and window_end to each row, one copy per window that contains
/// the row's time column (HOP: size / slide copies). Copies for windows that already closed are late: dropped and counted.
/// </summary>
internal sealed class WindowAssignSink(IObserver<Element> downstream, WindowSpec spec, int timeColumn, int width, QueryStats stats) : UnarySink(downstream), ICheckpointable
{
    private readonly long size = spec.Size.Ticks;
    private readonly long slide = spec.Slide.Ticks;
    private long watermark = Watermarks.Start;

    protected override void OnRow(Element row)
    {
        long time;
        try
        {
            if (WindowAssigner.Ticks(row.Row![timeColumn]) is not { } t) return;
            time = t;
        }
        catch (Exception e)
        {
            Fail(e, "window time column");
            return;
        }
        var late = false;
        for (var start = WindowAssigner.LastStart(time, slide) - size + slide; start <= time; start += slide)
        {
            var end = start + size;
            if (end <= watermark)
            {
                late = true;
                continue;
            }
            var extended = new object?[width + 2];
            Array.Copy(row.Row!, extended, width);
            extended[width] = new DateTime(start, DateTimeKind.Utc);
            extended[width + 1] = new DateTime(end, DateTimeKind.Utc);
            Downstream.OnNext(new Element(row.Kind, extended, row.Time));
            if (Done) return;
        }
        if (late) stats.AddLateEvents(1);
    }

    public void WriteState(BinaryWriter writer) => writer.Write(watermark);

    public void ReadState(BinaryReader reader) => watermark = reader.ReadInt64();

    protected override void OnWatermark(long value)
    {
        watermark = Math.Max(watermark, value);
        Downstream.OnNext(Element.Watermark(value));
    }
}
