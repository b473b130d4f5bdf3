using Sluice.Reactive;

namespace Sluice.Benchmarks;

/// <summary>
/// An input observable the benchmark pushes into directly: no Subject bookkeeping on the measured path,
/// so the figure is the engine's cost. Supports the few subscribers an engine may attach to one input.
/// </summary>
internal sealed class DirectInput : IObservable<InputEvent>
{
    private IObserver<InputEvent>[] observers = [];

    public IDisposable Subscribe(IObserver<InputEvent> observer)
    {
        observers = [.. observers, observer];
        return new Unsubscriber(this, observer);
    }

    public void Push(in InputEvent e)
    {
        var current = observers;
        for (var i = 0; i < current.Length; i++)
        {
            current[i].OnNext(e);
        }
    }

    public void Complete()
    {
        foreach (var observer in observers)
        {
            observer.OnCompleted();
        }
    }

    private sealed class Unsubscriber(DirectInput input, IObserver<InputEvent> observer) : IDisposable
    {
        public void Dispose() => input.observers = [.. input.observers.Where(o => o != observer)];
    }
}
