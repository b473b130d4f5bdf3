using Sluice.Reactive.Planning;
using Sluice.Reactive.Windows;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Puts the rows below a TUMBLE / HOP on a <c>PROCTIME()</c> column on processing time, so the window operators above
/// (window assignment, or the sliced window aggregate) close windows by the clock instead of the inputs' event time.
/// Each row's time becomes its processing time, and this operator sends the processing-time watermark: when a row
/// arrives after the earliest open window's end, or when the <see cref="ProcessingTimeClock"/> fires past it with no
/// input at all. Event-time watermarks from below mean nothing to these windows and stop here, except the final one
/// (every input completed), which flushes the open windows as it does for event time.
/// </summary>
internal sealed class ProcessingTimeSink : UnarySink, IProcessingTimeWindows
{
    private readonly long size;
    private readonly long slide;
    private readonly int timeColumn;
    private long watermark = Watermarks.Start;
    private long latestEnd = Watermarks.Start;
    private long? nextClose;

    public ProcessingTimeSink(IObserver<Element> downstream, WindowSpec spec, int timeColumn, ProcessingTimeClock clock)
        : base(downstream)
    {
        size = spec.Size.Ticks;
        slide = spec.Slide.Ticks;
        this.timeColumn = timeColumn;
        clock.Register(this);
    }

    public long? NextClose => Done ? null : nextClose;

    public void Advance(long now)
    {
        if (!Done && nextClose is { } close && now >= close)
        {
            SendWatermark(now);
        }
    }

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
        // The clock passed a window's end since the last row: close it before this row opens later ones.
        Advance(time);
        if (Done) return;
        Downstream.OnNext(new Element(row.Kind, row.Row, time));
        if (time < watermark) return; // read before the last close (PROCTIME passed through a join, say): late above
        // The earliest window holding this row ends one slide after the slide it falls in (TUMBLE: slide = size).
        var firstEnd = WindowAssigner.LastStart(time, slide) + slide;
        if (nextClose is null || firstEnd < nextClose) nextClose = firstEnd;
        var lastEnd = WindowAssigner.LastStart(time, slide) + size;
        if (lastEnd > latestEnd) latestEnd = lastEnd;
    }

    protected override void OnWatermark(long value)
    {
        if (value == Watermarks.Infinite) SendWatermark(value);
    }

    private void SendWatermark(long value)
    {
        watermark = value;
        // Window ends are whole slides from the epoch: the next one after the watermark, while rows wait in any window.
        nextClose = latestEnd > value ? WindowAssigner.LastStart(value, slide) + slide : null;
        Downstream.OnNext(Element.Watermark(value));
    }
}
