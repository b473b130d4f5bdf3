using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Operators detach from their inputs once their output has ended (completed, failed or disposed), including inputs
/// that end it while they are being subscribed to (Rx's sink discipline).
/// </summary>
public sealed class OperatorSubscriptionTests
{
    private sealed class TrackedInput
    {
        public readonly Subject<Element> Subject = new();
        public int Subscriptions;
        public int Disposals;

        public IObservable<Element> Observable => System.Reactive.Linq.Observable.Create<Element>(o =>
        {
            Subscriptions++;
            var inner = Subject.Subscribe(o);
            return Disposable.Create(() =>
            {
                Disposals++;
                inner.Dispose();
            });
        });
    }

    private static UnaryOperator Filter(IObservable<Element> input, Func<object?[], bool> predicate) => new(input, o => new FilterSink(o, predicate, "filter"));

    [Fact]
    public void A_failing_operator_disposes_its_input_subscription()
    {
        var input = new TrackedInput();
        var output = new ElementRecorder();
        using var _ = Filter(input.Observable, _ => throw new DivideByZeroException()).Subscribe(output);
        input.Subject.OnNext(E.Ins(1, 1L));
        Assert.Equal(1, input.Disposals);
        Assert.NotNull(output.Error);
    }

    [Fact]
    public void A_completed_operator_disposes_its_input_subscription()
    {
        var input = new TrackedInput();
        using var _ = Filter(input.Observable, _ => true).Subscribe(new ElementRecorder());
        input.Subject.OnCompleted();
        Assert.Equal(1, input.Disposals);
    }

    [Fact]
    public void Disposing_the_output_disposes_the_input_subscription_once()
    {
        var input = new TrackedInput();
        var subscription = Filter(input.Observable, _ => true).Subscribe(new ElementRecorder());
        subscription.Dispose();
        subscription.Dispose();
        Assert.Equal(1, input.Disposals);
    }

    [Fact]
    public void An_input_subscribed_after_the_output_ended_is_disposed_at_once()
    {
        var right = new TrackedInput();
        var output = new ElementRecorder();
        var failing = Observable.Throw<Element>(new InvalidOperationException("left failed"));
        var join = new BinaryOperator(failing, right.Observable,
            o => new JoinSink(o, [E.Column(0)], [E.Column(0)], null, 1, 1, false, false, [], [], true, new QueryStats()));
        using var _ = join.Subscribe(output);
        Assert.Equal("left failed", output.Error!.Message);
        Assert.Equal(1, right.Subscriptions);
        Assert.Equal(1, right.Disposals);
        Assert.False(right.Subject.HasObservers);
    }

    [Fact]
    public void A_join_detaches_from_both_inputs_when_they_have_completed()
    {
        var left = new TrackedInput();
        var right = new TrackedInput();
        var join = new BinaryOperator(left.Observable, right.Observable,
            o => new JoinSink(o, [E.Column(0)], [E.Column(0)], null, 1, 1, false, false, [], [], true, new QueryStats()));
        var output = new ElementRecorder();
        using var _ = join.Subscribe(output);
        left.Subject.OnCompleted();
        Assert.Equal(0, right.Disposals);
        right.Subject.OnCompleted();
        Assert.Equal((1, 1), (left.Disposals, right.Disposals));
        Assert.True(output.Completed);
    }
}
