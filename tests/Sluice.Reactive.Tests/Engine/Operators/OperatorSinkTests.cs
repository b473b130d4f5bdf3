using System.Reactive;
using System.Reactive.Subjects;
using Microsoft.Extensions.Time.Testing;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// The base of every operator: it ends its output once, and when it ends (an error of its own or of an input, or
/// completion) it lets go of its inputs, each exactly once.
/// </summary>
public sealed class OperatorSinkTests
{
    private readonly ElementRecorder output = new();

    [Fact]
    public void An_operator_that_fails_twice_sends_one_error()
    {
        var sink = new FailingSink(output);
        sink.FailNow("first");
        sink.FailNow("second");
        Assert.Equal(["error: InvalidOperationException: boom (in first)"], output.Log);
    }

    [Fact]
    public void An_error_of_one_input_ends_the_output_and_detaches_from_the_other_input_too()
    {
        var left = new Subject<Element>();
        var right = new Subject<Element>();
        using var _ = new BinaryOperator(left, right, o => new UnionSink(o)).Subscribe(output);
        left.OnError(new InvalidOperationException("read failed"));
        Assert.False(right.HasObservers);
        Assert.Equal(["error: read failed"], output.Log);
    }

    [Fact]
    public void Completion_disposes_the_input_subscription_once_and_a_later_dispose_does_not_again()
    {
        var input = new BareInput();
        var subscription = new UnaryOperator(input, o => new FilterSink(o, _ => true, "filter")).Subscribe(output);
        input.Observer!.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], output.Log);
        Assert.Equal(1, input.Disposals);
        subscription.Dispose();
        Assert.Equal(1, input.Disposals);
    }

    [Fact]
    public void A_pipeline_with_an_operator_that_keeps_no_checkpoint_state_but_is_not_stateless_has_no_checkpoint()
    {
        // The processing-time operator holds the open windows' clock state, which it does not checkpoint.
        var query = QueryCompiler.Compile(
            "SELECT k, COUNT(*) AS n, window_start FROM TUMBLE((SELECT *, PROCTIME() AS p_time FROM u), p_time, INTERVAL '10' SECOND) GROUP BY k, window_start",
            TestShapes.Instance);
        var stats = new QueryStats();
        var clock = new ProcessingTimeClock(new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)));
        var inputs = query.Inputs.Select(_ => new Subject<InputEvent>()).ToArray();
        using var subscription = query.Build(inputs, stats, clock).Subscribe(Observer.Create<OutputRow>(_ => { }));
        Assert.Null(PipelineCheckpoint.Of(subscription, stats));
    }

    private sealed class FailingSink(IObserver<Element> downstream) : UnarySink(downstream)
    {
        public void FailNow(string where) => Fail(new InvalidOperationException("boom"), where);

        protected override void OnRow(Element row)
        {
        }
    }

    /// <summary>An input (no Rx wrapper) that counts every call to its subscription's Dispose, repeated ones too.</summary>
    private sealed class BareInput : IObservable<Element>, IDisposable
    {
        public IObserver<Element>? Observer;
        public int Disposals;

        public IDisposable Subscribe(IObserver<Element> observer)
        {
            Observer = observer;
            return this;
        }

        public void Dispose() => Disposals++;
    }
}
