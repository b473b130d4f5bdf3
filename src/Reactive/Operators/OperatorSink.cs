using Sluice.Reactive.Expressions;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Base of every operator's per-subscription state (Rx's Sink): forwards to one downstream observer,
/// ends once, and turns what user expressions throw into OnError (then detaches from its inputs).
/// </summary>
internal abstract class OperatorSink(IObserver<Element> downstream) : IDisposable
{
    protected readonly IObserver<Element> Downstream = downstream;
    private readonly List<IDisposable> upstreams = new(2);
    protected bool Done;

    /// <summary>What this sink is subscribed to (upstream sinks, or a source's input): a checkpoint walks the pipeline through them.</summary>
    internal IReadOnlyList<IDisposable> Upstreams => upstreams;

    /// <summary>True for operators that hold no state at all (filter, project), so a pipeline of them needs none checkpointed.</summary>
    internal virtual bool Stateless => false;

    /// <summary>True for the sink that reads one of the query's inputs: what it is subscribed to is not an operator.</summary>
    internal virtual bool ReadsInput => false;

    public void AddUpstream(IDisposable subscription)
    {
        if (Done) subscription.Dispose();
        else upstreams.Add(subscription);
    }

    protected void Fail(Exception error, string where)
    {
        if (Done) return;
        Done = true;
        Downstream.OnError(SqlEvaluationException.From(error, where));
        DisposeUpstreams();
    }

    protected void ForwardError(Exception error)
    {
        if (Done) return;
        Done = true;
        Downstream.OnError(error);
        DisposeUpstreams();
    }

    protected void Complete()
    {
        if (Done) return;
        Done = true;
        Downstream.OnCompleted();
        DisposeUpstreams();
    }

    private void DisposeUpstreams()
    {
        foreach (var u in upstreams) u.Dispose();
        upstreams.Clear();
    }

    public void Dispose()
    {
        Done = true;
        DisposeUpstreams();
    }
}

/// <summary>A one-input operator: rows go to <see cref="OnRow"/>, watermarks to <see cref="OnWatermark"/>.</summary>
internal abstract class UnarySink(IObserver<Element> downstream) : OperatorSink(downstream), IObserver<Element>
{
    public void OnNext(Element value)
    {
        if (Done) return;
        if (value.Kind == ElementKind.Watermark) OnWatermark(value.Time);
        else OnRow(value);
    }

    protected abstract void OnRow(Element row);

    /// <summary>Default: stateless operators pass watermarks through.</summary>
    protected virtual void OnWatermark(long watermark) => Downstream.OnNext(Element.Watermark(watermark));

    public void OnError(Exception error) => ForwardError(error);

    /// <summary>Inputs send an infinite watermark before completing, so stateful operators have flushed by now.</summary>
    public virtual void OnCompleted()
    {
        if (Done) return;
        OnWatermark(Watermarks.Infinite);
        Complete();
    }
}

/// <summary>Wires a <see cref="UnarySink"/> to its input per subscription, so each pipeline built has its own state.</summary>
internal sealed class UnaryOperator(IObservable<Element> source, Func<IObserver<Element>, UnarySink> createSink) : IObservable<Element>
{
    public IDisposable Subscribe(IObserver<Element> observer)
    {
        var sink = createSink(observer);
        sink.AddUpstream(source.Subscribe(sink));
        return sink;
    }
}
