namespace Sluice.Reactive.Operators;

/// <summary>
/// SELECT list: one compiled delegate builds each output row. When it throws, the pipeline ends, or with
/// <paramref name="errors"/> (non-strict rows) the row is rebuilt from <paramref name="columns"/> with NULL where a column fails.
/// </summary>
internal sealed class ProjectSink(
    IObserver<Element> downstream,
    Func<object?[], object?[]> project,
    string description,
    RowErrorScope? errors = null,
    Lazy<Func<object?[], object?>[]>? columns = null) : UnarySink(downstream)
{
    internal override bool Stateless => true;

    protected override void OnRow(Element row)
    {
        object?[] result;
        try
        {
            result = project(row.Row!);
        }
        catch (Exception e)
        {
            if (errors is null || columns is null)
            {
                Fail(e, description);
                return;
            }
            result = errors.EvaluateColumns(columns.Value, row.Row!, description);
        }
        Downstream.OnNext(new Element(row.Kind, result, row.Time));
    }
}
