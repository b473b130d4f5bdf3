using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Turns one input's events into rows and derives that input's watermark: the largest event time seen minus
/// the input's delay, in whole milliseconds. A watermark element goes out only when it advances; completion sends an infinite one.
/// </summary>
internal sealed class SourceOperator(IObservable<InputEvent> input, int inputIndex, TimeSpan watermarkDelay, QueryStats stats, RowErrorScope? errors, ProcessingTimeClock? clock = null) : IObservable<Element>
{
    public IDisposable Subscribe(IObserver<Element> observer)
    {
        var sink = new Sink(observer, inputIndex, watermarkDelay.Ticks, stats, errors, clock);
        sink.AddUpstream(input.Subscribe(sink));
        return sink;
    }

    private sealed class Sink(IObserver<Element> downstream, int inputIndex, long delay, QueryStats stats, RowErrorScope? errors, ProcessingTimeClock? clock) : OperatorSink(downstream), IObserver<InputEvent>, ICheckpointable
    {
        private long watermark = Watermarks.Start;
        // The least candidate whose whole millisecond is past the watermark; any smaller one cannot move it.
        private long moves = Watermarks.Start;

        internal override bool ReadsInput => true;

        public void WriteState(BinaryWriter writer) => writer.Write(watermark);

        public void ReadState(BinaryReader reader)
        {
            watermark = reader.ReadInt64();
            moves = watermark == Watermarks.Start ? Watermarks.Start : FloorToMillisecond(watermark) + TimeSpan.TicksPerMillisecond;
        }

        public void OnNext(InputEvent value)
        {
            if (Done) return;
            stats.AddEventsIn(1);
            errors?.Enter(inputIndex, value.Offset);
            clock?.Enter();
            var time = value.EventTime.Ticks;
            Downstream.OnNext(Element.Insert(value.Row, time));
            // Watermarks move in whole milliseconds: window ends and interval bounds are whole milliseconds, so
            // windows close on exactly the same event, while at high event rates far fewer watermarks travel.
            var candidate = time - delay;
            // Most events (several per millisecond of event time) cannot move it, and stop here before the rounding's divisions.
            if (candidate < moves) return;
            candidate = FloorToMillisecond(candidate);
            if (candidate > watermark && !Done)
            {
                watermark = candidate;
                moves = candidate + TimeSpan.TicksPerMillisecond;
                Downstream.OnNext(Element.Watermark(candidate));
            }
        }

        public void OnError(Exception error) => ForwardError(error);

        public void OnCompleted()
        {
            if (Done) return;
            clock?.Enter();
            Downstream.OnNext(Element.Watermark(Watermarks.Infinite));
            Complete();
        }

        private static long FloorToMillisecond(long ticks) =>
            ticks - ((ticks % TimeSpan.TicksPerMillisecond) + TimeSpan.TicksPerMillisecond) % TimeSpan.TicksPerMillisecond;
    }
}
