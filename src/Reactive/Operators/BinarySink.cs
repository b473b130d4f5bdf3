using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// A two-input operator. Each side's watermark is tracked; the output watermark is their minimum, and the
/// output completes when both inputs have.
/// </summary>
internal abstract class BinarySink(IObserver<Element> downstream) : OperatorSink(downstream)
{
    protected long LeftWatermark = Watermarks.Start;
    protected long RightWatermark = Watermarks.Start;
    private long emittedWatermark = Watermarks.Start;
    private int completed;

    public IObserver<Element> LeftObserver => new Side(this, true);

    public IObserver<Element> RightObserver => new Side(this, false);

    protected abstract void OnRow(Element row, bool left);

    /// <summary>Both sides' watermarks and the one forwarded, for a checkpoint of the operator.</summary>
    protected void WriteWatermarks(BinaryWriter writer)
    {
        writer.Write(LeftWatermark);
        writer.Write(RightWatermark);
        writer.Write(emittedWatermark);
    }

    protected void ReadWatermarks(BinaryReader reader)
    {
        LeftWatermark = reader.ReadInt64();
        RightWatermark = reader.ReadInt64();
        emittedWatermark = reader.ReadInt64();
    }

    /// <summary>Called after a side's watermark advanced: expire state, then the minimum is forwarded.</summary>
    protected abstract void OnWatermarksAdvanced();

    private void OnNext(Element value, bool left)
    {
        if (Done) return;
        if (value.Kind != ElementKind.Watermark)
        {
            OnRow(value, left);
            return;
        }
        if (left)
        {
            if (value.Time <= LeftWatermark) return;
            LeftWatermark = value.Time;
        }
        else
        {
            if (value.Time <= RightWatermark) return;
            RightWatermark = value.Time;
        }
        OnWatermarksAdvanced();
        var min = Math.Min(LeftWatermark, RightWatermark);
        if (min > emittedWatermark && !Done)
        {
            emittedWatermark = min;
            Downstream.OnNext(Element.Watermark(min));
        }
    }

    private void OnCompleted(bool left)
    {
        if (Done) return;
        OnNext(Element.Watermark(Watermarks.Infinite), left);
        if (++completed == 2) Complete();
    }

    private sealed class Side(BinarySink sink, bool left) : IObserver<Element>
    {
        private bool completed;

        public void OnNext(Element value) => sink.OnNext(value, left);

        public void OnError(Exception error) => sink.ForwardError(error);

        public void OnCompleted()
        {
            if (completed) return;
            completed = true;
            sink.OnCompleted(left);
        }
    }
}

internal sealed class BinaryOperator(IObservable<Element> left, IObservable<Element> right, Func<IObserver<Element>, BinarySink> createSink) : IObservable<Element>
{
    public IDisposable Subscribe(IObserver<Element> observer)
    {
        var sink = createSink(observer);
        sink.AddUpstream(left.Subscribe(sink.LeftObserver));
        sink.AddUpstream(right.Subscribe(sink.RightObserver));
        return sink;
    }
}
