namespace Sluice.Reactive.Operators;

/// <summary>WHERE / HAVING: passes rows (inserts and retractions alike) whose predicate is TRUE.</summary>
internal sealed class FilterSink(IObserver<Element> downstream, Func<object?[], bool> predicate, string description) : UnarySink(downstream)
{
    protected override void OnRow(Element row)
    {
        bool pass;
        try
        {
            pass = predicate(row.Row!);
        }
        catch (Exception e)
        {
            Fail(e, description);
            return;
        }
        if (pass) Downstream.OnNext(row);
    }
}
