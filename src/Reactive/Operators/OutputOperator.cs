namespace Sluice.Reactive.Operators;

/// <summary>The end of a running pipeline, through which a checkpoint finds its operators.</summary>
internal interface IPipelineEnd
{
    IDisposable? Upstream { get; }
}

/// <summary>The end of a pipeline: rows become <see cref="OutputRow"/>s, watermarks update <see cref="QueryStats.Watermark"/>.</summary>
internal sealed class OutputOperator(IObservable<Element> source, QueryStats stats) : IObservable<OutputRow>
{
    public IDisposable Subscribe(IObserver<OutputRow> observer)
    {
        var sink = new Sink(observer, stats);
        sink.Upstream = source.Subscribe(sink);
        if (sink.Finished) sink.Upstream.Dispose();
        return sink;
    }

    private sealed class Sink(IObserver<OutputRow> downstream, QueryStats stats) : IObserver<Element>, IDisposable, IPipelineEnd
    {
        public IDisposable? Upstream { get; set; }
        public bool Finished;

        public void OnNext(Element value)
        {
            if (Finished) return;
            if (value.Kind == ElementKind.Watermark)
            {
                if (value.Time != Watermarks.Infinite) stats.SetWatermark(new DateTime(Math.Clamp(value.Time, 0, DateTime.MaxValue.Ticks), DateTimeKind.Utc));
                return;
            }
            stats.AddRowsOut(1);
            var time = new DateTime(Math.Clamp(value.Time, 0, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            downstream.OnNext(new OutputRow(value.Row!, time, value.Kind == ElementKind.Delete ? ChangeOp.Delete : ChangeOp.Insert));
        }

        public void OnError(Exception error)
        {
            if (Finished) return;
            Finished = true;
            downstream.OnError(error);
        }

        public void OnCompleted()
        {
            if (Finished) return;
            Finished = true;
            downstream.OnCompleted();
        }

        public void Dispose()
        {
            Finished = true;
            Upstream?.Dispose();
        }
    }
}
