namespace Sluice.Reactive;

/// <summary>
/// Processing time for one pipeline (SPEC §4, <c>PROCTIME()</c>): the value <c>PROCTIME()</c> returns and the clock
/// that closes windows over a <c>PROCTIME()</c> column. It reads a <see cref="TimeProvider"/> (the service's, or a
/// fake one in tests) and never goes backwards, so a row's processing time is never earlier than a window already
/// closed. Windows on processing time close when <see cref="Fire"/> finds the clock past their end; the host calls it
/// between pushes, on the thread that pushes, and wakes to call it at <see cref="NextDue"/> when no input arrives.
/// </summary>
public sealed class ProcessingTimeClock(TimeProvider time)
{
    // PROCTIME() is compiled once per query into delegates shared by every pipeline built from it, so it cannot
    // capture a pipeline's clock; the pipeline's sources make their clock current before each push instead.
    // Pipelines run synchronously on the pushing thread, so the clock current there is the one of the row at hand.
    [ThreadStatic]
    private static ProcessingTimeClock? current;

    private readonly List<IProcessingTimeWindows> windows = [];
    private long lastTicks = DateTime.MinValue.Ticks;

    /// <summary>The provider read for the current time; hosts use it for the timer that wakes them at <see cref="NextDue"/>.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>The current processing time (UTC), never earlier than a time this clock returned before.</summary>
    public DateTime Now()
    {
        var ticks = Time.GetUtcNow().UtcTicks;
        if (ticks > lastTicks)
        {
            lastTicks = ticks;
        }
        return new DateTime(lastTicks, DateTimeKind.Utc);
    }

    /// <summary>When the earliest open processing-time window closes, or null when none holds rows.</summary>
    public DateTime? NextDue
    {
        get
        {
            long? due = null;
            foreach (var w in windows)
            {
                if (w.NextClose is { } close && (due is null || close < due))
                {
                    due = close;
                }
            }
            return due is { } ticks ? new DateTime(ticks, DateTimeKind.Utc) : null;
        }
    }

    /// <summary>Closes every processing-time window whose end the clock has reached; their rows go downstream synchronously.</summary>
    public void Fire()
    {
        Enter();
        var now = Now().Ticks;
        for (var i = 0; i < windows.Count; i++)
        {
            windows[i].Advance(now);
        }
    }

    /// <summary>Makes this clock the one <c>PROCTIME()</c> reads on this thread (a source calls it before each push).</summary>
    internal void Enter() => current = this;

    /// <summary>What <c>PROCTIME()</c> returns: the current pipeline's processing time, or the system clock outside one.</summary>
    internal static DateTime CurrentNow() => current?.Now() ?? DateTime.UtcNow;

    /// <summary>Called by each processing-time window operator of the pipeline as it is wired; they live as long as the pipeline and this clock.</summary>
    internal void Register(IProcessingTimeWindows window) => windows.Add(window);
}

/// <summary>An operator holding windows that close by processing time.</summary>
internal interface IProcessingTimeWindows
{
    /// <summary>Ticks at which the earliest window holding rows closes, or null when none does.</summary>
    long? NextClose { get; }

    /// <summary>The clock reads <paramref name="now"/>: close the windows ending at or before it.</summary>
    void Advance(long now);
}
