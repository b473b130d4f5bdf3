namespace Sluice.Reactive.Operators;

/// <summary>
/// WHERE / HAVING: passes rows (inserts and retractions alike) whose predicate is TRUE. A predicate that throws ends
/// the pipeline, or with <paramref name="errors"/> (non-strict rows) counts as not TRUE.
/// </summary>
internal sealed class FilterSink(IObserver<Element> downstream, Func<object?[], bool> predicate, string description, RowErrorScope? errors = null) : UnarySink(downstream)
{
    internal override bool Stateless => true;

    protected override void OnRow(Element row)
    {
        bool pass;
        try
        {
            pass = predicate(row.Row!);
        }
        catch (Exception e)
        {
            if (errors is null) Fail(e, description);
            else errors.Report(e, description);
            return;
        }
        if (pass) Downstream.OnNext(row);
    }
}
