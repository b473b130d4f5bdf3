namespace Sluice.Reactive.Operators;

/// <summary>SELECT list: one compiled delegate builds each output row.</summary>
internal sealed class ProjectSink(IObserver<Element> downstream, Func<object?[], object?[]> project, string description) : UnarySink(downstream)
{
    protected override void OnRow(Element row)
    {
        object?[] result;
        try
        {
            result = project(row.Row!);
        }
        catch (Exception e)
        {
            Fail(e, description);
            return;
        }
        Downstream.OnNext(new Element(row.Kind, result, row.Time));
    }
}
