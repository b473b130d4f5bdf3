namespace Sluice.Nexmark.Reference;

/// <summary>
/// Window arithmetic of the reference: windows are aligned to the Unix epoch, include their start and
/// exclude their end (<c>[window_start, window_end)</c>), as in Flink and RisingWave.
/// </summary>
public static class EventTimeWindows
{
    public static DateTime TumbleStart(DateTime time, TimeSpan size) => FloorTo(time, size);

    /// <summary>Starts of every hop window of <paramref name="size"/> sliding by <paramref name="slide"/> that contains <paramref name="time"/>.</summary>
    public static IEnumerable<DateTime> HopStarts(DateTime time, TimeSpan slide, TimeSpan size)
    {
        for (var start = FloorTo(time, slide); start + size > time; start -= slide)
        {
            yield return start;
        }
    }

    private static DateTime FloorTo(DateTime time, TimeSpan unit)
    {
        var ticks = (time - DateTime.UnixEpoch).Ticks;
        var floored = ticks - (((ticks % unit.Ticks) + unit.Ticks) % unit.Ticks);
        return DateTime.SpecifyKind(DateTime.UnixEpoch.AddTicks(floored), DateTimeKind.Utc);
    }
}
