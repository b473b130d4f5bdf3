using System.Globalization;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Records what an operator sends downstream as short text, in order (Rx's TestObserver): "+a|1@3" is an inserted
/// row at event time 3 s, "-a|1@3" a retraction, "wm@3" a watermark, "wm@inf" the final one, then "completed" or
/// "error: message".
/// </summary>
internal sealed class ElementRecorder : IObserver<Element>
{
    public List<string> Log { get; } = [];

    public List<Element> Elements { get; } = [];

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    /// <summary>Only the row entries of the log, without event times.</summary>
    public List<string> Rows => Elements.Where(e => e.Kind != ElementKind.Watermark).Select(e => Sign(e) + QueryRun.Render(e.Row!)).ToList();

    /// <summary>Only the watermarks, as seconds.</summary>
    public List<string> Watermarks => Log.Where(l => l.StartsWith("wm@", StringComparison.Ordinal)).ToList();

    /// <summary>Applies the changelog: the current rows, sorted.</summary>
    public List<string> Table()
    {
        var table = new List<string>();
        foreach (var e in Elements.Where(e => e.Kind != ElementKind.Watermark))
        {
            var text = QueryRun.Render(e.Row!);
            if (e.Kind == ElementKind.Insert) table.Add(text);
            else Assert.True(table.Remove(text), $"retraction of a row never inserted: {text}");
        }
        table.Sort(StringComparer.Ordinal);
        return table;
    }

    public void OnNext(Element value)
    {
        Assert.False(Completed || Error is not null, "an element after the end");
        Elements.Add(value);
        Log.Add(value.Kind == ElementKind.Watermark ? "wm@" + Seconds(value.Time) : Sign(value) + QueryRun.Render(value.Row!) + "@" + Seconds(value.Time));
    }

    public void OnError(Exception error)
    {
        Assert.False(Completed || Error is not null, "a second end");
        Error = error;
        Log.Add("error: " + error.Message);
    }

    public void OnCompleted()
    {
        Assert.False(Completed || Error is not null, "a second end");
        Completed = true;
        Log.Add("completed");
    }

    private static string Sign(Element e) => e.Kind == ElementKind.Delete ? "-" : "+";

    /// <summary>Event time as seconds after the test epoch (see <see cref="QueryRun.At"/>).</summary>
    public static string Seconds(long ticks) => ticks switch
    {
        Sluice.Reactive.Operators.Watermarks.Infinite => "inf",
        Sluice.Reactive.Operators.Watermarks.Start => "-inf",
        _ => ((ticks - Epoch) / (double)TimeSpan.TicksPerSecond).ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static readonly long Epoch = QueryRun.At(0).Ticks;
}

/// <summary>Builds the elements operator tests push, with event times in seconds after the test epoch.</summary>
internal static class E
{
    public static long T(double seconds) => QueryRun.At(seconds).Ticks;

    public static Element Ins(double seconds, params object?[] row) => Element.Insert(row, T(seconds));

    public static Element Del(double seconds, params object?[] row) => Element.Delete(row, T(seconds));

    public static Element Wm(double seconds) => Element.Watermark(T(seconds));

    public static Func<object?[], object?> Column(int index) => row => row[index];
}
