using System.Reactive.Disposables;
using System.Reactive.Subjects;
using Microsoft.Extensions.Time.Testing;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>An input's events become rows at their event time, followed by the input's watermark when it advances.</summary>
public sealed class SourceOperatorTests
{
    private readonly Subject<InputEvent> input = new();
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();

    private IDisposable Subscribe(double delaySeconds) => new SourceOperator(input, 0, TimeSpan.FromSeconds(delaySeconds), stats, null).Subscribe(output);

    private void Push(DateTime time, string k = "a") => input.OnNext(new InputEvent(0, time, [k]));

    [Fact]
    public void The_watermark_is_the_largest_event_time_minus_the_delay_sent_only_when_it_advances()
    {
        using var _ = Subscribe(2);
        Push(QueryRun.At(5));
        Push(QueryRun.At(4), "b");
        Push(QueryRun.At(5), "c");
        Push(QueryRun.At(7), "d");
        Assert.Equal(["+a@5", "wm@3", "+b@4", "+c@5", "+d@7", "wm@5"], output.Log);
        Assert.Equal(4, stats.EventsIn);
    }

    [Fact]
    public void The_watermark_is_rounded_down_to_a_whole_millisecond()
    {
        using var _ = Subscribe(0);
        Push(QueryRun.At(1).AddTicks(9_999));
        Push(QueryRun.At(1).AddTicks(10_000), "b");
        Push(QueryRun.At(1).AddTicks(10_001), "c");
        Assert.Equal([E.T(1), QueryRun.At(1).AddTicks(10_000).Ticks], output.Elements.Where(e => e.Kind == ElementKind.Watermark).Select(e => e.Time));
    }

    [Fact]
    public void Every_event_whose_millisecond_is_past_the_watermark_moves_it_and_no_other_does()
    {
        // Times in and out of order, several per millisecond: the watermarks sent are exactly those of the rule.
        using var _ = Subscribe(0.003);
        var random = new Random(12);
        var expected = new List<long>();
        var watermark = long.MinValue;
        var time = QueryRun.At(1).Ticks;
        for (var i = 0; i < 5_000; i++)
        {
            time += random.Next(-20_000, 30_000);
            Push(new DateTime(time, DateTimeKind.Utc));
            var candidate = time - 30_000;
            candidate -= ((candidate % 10_000) + 10_000) % 10_000;
            if (candidate <= watermark) continue;
            watermark = candidate;
            expected.Add(candidate);
        }
        Assert.Equal(expected, output.Elements.Where(e => e.Kind == ElementKind.Watermark).Select(e => e.Time));
        Assert.Equal(5_000, stats.EventsIn);
    }

    [Fact]
    public void A_restored_watermark_inside_a_millisecond_moves_on_the_first_event_of_a_later_one()
    {
        using var subscription = Subscribe(0);
        using (var state = new MemoryStream())
        {
            using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true)) writer.Write(QueryRun.At(1).AddTicks(5_000).Ticks);
            state.Position = 0;
            using var reader = new BinaryReader(state);
            ((Sluice.Reactive.Runtime.Checkpoints.ICheckpointable)subscription).ReadState(reader);
        }
        Push(QueryRun.At(1).AddTicks(9_999));
        Push(QueryRun.At(1).AddTicks(10_000), "b");
        Assert.Equal([QueryRun.At(1).AddTicks(10_000).Ticks], output.Elements.Where(e => e.Kind == ElementKind.Watermark).Select(e => e.Time));
    }

    [Fact]
    public void Completion_sends_the_final_watermark_then_completes_and_nothing_follows()
    {
        using var _ = Subscribe(0);
        input.OnCompleted();
        Push(QueryRun.At(1));
        Assert.Equal(["wm@inf", "completed"], output.Log);
        Assert.Equal(0, stats.EventsIn);
    }

    [Fact]
    public void An_input_error_is_forwarded_and_nothing_follows()
    {
        using var _ = Subscribe(0);
        input.OnError(new InvalidOperationException("read failed"));
        Push(QueryRun.At(1));
        Assert.Equal(["error: read failed"], output.Log);
    }

    [Fact]
    public void Disposing_the_subscription_detaches_from_the_input()
    {
        var subscription = Subscribe(0);
        subscription.Dispose();
        Assert.False(input.HasObservers);
        Push(QueryRun.At(1));
        Assert.Empty(output.Log);
    }

    [Fact]
    public void What_an_input_still_sends_after_the_subscription_was_disposed_is_dropped()
    {
        var bare = new BareInput();
        new SourceOperator(bare, 0, TimeSpan.Zero, stats, null).Subscribe(output).Dispose();
        bare.Observer!.OnNext(new InputEvent(0, QueryRun.At(1), ["a"]));
        bare.Observer.OnCompleted();
        Assert.Empty(output.Log);
        Assert.Equal(0, stats.EventsIn);
    }

    [Fact]
    public void Completion_makes_the_pipelines_clock_the_one_proctime_reads_while_the_final_watermark_flushes()
    {
        var noon = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var mine = new ProcessingTimeClock(new FakeTimeProvider(noon));
        var other = new ProcessingTimeClock(new FakeTimeProvider(noon.AddHours(1)));
        DateTime? readAtTheEnd = null;
        var observer = System.Reactive.Observer.Create<Element>(e =>
        {
            if (e.Kind == ElementKind.Watermark && e.Time == Watermarks.Infinite) readAtTheEnd = ProcessingTimeClock.CurrentNow();
        });
        using var _ = new SourceOperator(input, 0, TimeSpan.Zero, stats, null, mine).Subscribe(observer);
        Push(QueryRun.At(1));
        other.Enter(); // another pipeline pushed on this thread since
        input.OnCompleted();
        Assert.Equal(noon.UtcDateTime, readAtTheEnd);
    }

    /// <summary>An input that ignores disposal (no Rx wrapper), so what it sends afterwards still reaches the operator.</summary>
    private sealed class BareInput : IObservable<InputEvent>
    {
        public IObserver<InputEvent>? Observer;

        public IDisposable Subscribe(IObserver<InputEvent> observer)
        {
            Observer = observer;
            return Disposable.Empty;
        }
    }
}
