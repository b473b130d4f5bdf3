using System.Text;
using Sluice.Data.Ingest;

namespace Sluice.Api.Tests.Ingest;

/// <summary>
/// The writer that keeps the last instant's text up to the second writes what <see cref="Iso8601.FormatMilliseconds"/>
/// writes, whatever came before: the same second again, the next millisecond, a step across a second, minute, day or
/// year, a step back, and the ends of the calendar.
/// </summary>
public sealed class MillisecondTimestampWriterTests
{
    [Fact]
    public void Every_instant_in_a_sequence_of_steps_forward_back_and_across_boundaries_is_written_as_the_formatter_writes_it()
    {
        var writer = new MillisecondTimestampWriter();
        var random = new Random(20261201);
        var instant = new DateTime(2024, 12, 31, 23, 59, 58, 990, DateTimeKind.Utc);
        long[] steps =
        [
            0, 1, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerMillisecond / 10, 7 * TimeSpan.TicksPerMillisecond,
            TimeSpan.TicksPerSecond, -TimeSpan.TicksPerMillisecond, -TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute,
            TimeSpan.TicksPerDay, -TimeSpan.TicksPerDay + 3, 366 * TimeSpan.TicksPerDay,
        ];
        for (var n = 0; n < 20_000; n++)
        {
            instant = instant.AddTicks(steps[random.Next(steps.Length)]);
            AssertWrittenAsTheFormatterWrites(writer, instant);
        }
    }

    [Fact]
    public void The_first_and_last_millisecond_of_the_calendar_are_written_as_the_formatter_writes_them()
    {
        var writer = new MillisecondTimestampWriter();
        var last = new DateTime(DateTime.MaxValue.Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        DateTime[] instants = [DateTime.MinValue, last, last.AddMilliseconds(-1), DateTime.MinValue.AddMilliseconds(999), DateTime.MinValue];

        foreach (var instant in instants)
        {
            AssertWrittenAsTheFormatterWrites(writer, instant);
        }
        Assert.Equal("9999-12-31T23:59:59.999Z", Written(writer, last));
    }

    private static void AssertWrittenAsTheFormatterWrites(MillisecondTimestampWriter writer, DateTime instant)
    {
        Span<byte> expected = stackalloc byte[Iso8601.MillisecondsLength];
        Iso8601.FormatMilliseconds(instant, expected);
        Assert.Equal(Encoding.ASCII.GetString(expected), Written(writer, instant));
    }

    private static string Written(MillisecondTimestampWriter writer, DateTime instant)
    {
        // Filled with a byte the text never holds, so a byte left unwritten shows.
        var destination = Enumerable.Repeat((byte)'#', Iso8601.MillisecondsLength + 4).ToArray();
        var length = writer.Format(instant, destination);
        Assert.Equal(Iso8601.MillisecondsLength, length);
        Assert.All(destination[length..], b => Assert.Equal((byte)'#', b));
        return Encoding.ASCII.GetString(destination, 0, length);
    }
}
