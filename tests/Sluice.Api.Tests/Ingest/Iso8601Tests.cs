using System.Globalization;
using System.Text;
using Sluice.Data.Ingest;

namespace Sluice.Api.Tests.Ingest;

public sealed class Iso8601Tests
{
    [Theory]
    [InlineData("2026-11-25T12:00:00Z")]
    [InlineData("2026-11-25T12:00:00.1Z")]
    [InlineData("2026-11-25T12:00:00.123Z")]
    [InlineData("2026-11-25T12:00:00.1234567Z")]
    [InlineData("2026-11-25T12:00:00.123456789Z")]
    [InlineData("2026-11-25T12:00:00+02:00")]
    [InlineData("2026-11-25T12:00:00.5-07:30")]
    [InlineData("2024-02-29T23:59:59.999Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void Fast_path_agrees_with_the_framework_parser(string text)
    {
        Assert.True(Iso8601.TryParse(Encoding.UTF8.GetBytes(text), out var fast));
        var expected = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();
        Assert.Equal(expected.Ticks / 10 * 10, fast.Ticks / 10 * 10);
    }

    [Theory]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("2026-11-25T24:00:00Z")]
    [InlineData("2026-11-25T12:00:00.Z")]
    [InlineData("2026-11-25T12:00:00Zjunk")]
    [InlineData("2026-11-25")]
    [InlineData("yesterday at noon")]
    public void Fast_path_declines_what_it_does_not_recognise(string text) =>
        Assert.False(Iso8601.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Formats_utc_with_milliseconds()
    {
        Span<byte> buffer = stackalloc byte[24];
        var written = Iso8601.FormatMilliseconds(new DateTime(2026, 1, 2, 3, 4, 5, 67, DateTimeKind.Utc), buffer);
        Assert.Equal("2026-01-02T03:04:05.067Z", Encoding.UTF8.GetString(buffer[..written]));
    }

    [Fact]
    public void The_milliseconds_form_is_recognised_exactly_where_formatting_the_parsed_instant_gives_the_text_back()
    {
        var random = new Random(7);
        var candidates = "T .Z09+-:1"u8.ToArray();
        Span<byte> formatted = stackalloc byte[24];
        var accepted = 0;
        for (var i = 0; i < 300; i++)
        {
            var canonical = new byte[24];
            Iso8601.FormatMilliseconds(new DateTime(random.NextInt64(DateTime.MaxValue.Ticks), DateTimeKind.Utc), canonical);
            // The text itself, and every variant with one byte changed to a separator or digit.
            foreach (var (at, by) in Enumerable.Range(0, 24).SelectMany(at => candidates.Select(by => (at, by))).Prepend((0, canonical[0])))
            {
                var text = (byte[])canonical.Clone();
                text[at] = by;
                if (!Iso8601.TryParse(text, out var parsed))
                {
                    continue;
                }
                accepted++;
                Iso8601.FormatMilliseconds(parsed.UtcDateTime, formatted);

                Assert.Equal(formatted.SequenceEqual(text), Iso8601.IsMillisecondsForm(text));
            }
        }
        Assert.True(accepted > 1_000, $"only {accepted} variants parsed");
    }

    [Fact]
    public void Formats_every_instant_as_the_runtimes_own_format_does_truncating_below_the_millisecond()
    {
        var random = new Random(13);
        var edges = new[]
        {
            DateTime.MinValue, DateTime.MaxValue, new DateTime(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Utc).AddTicks(9_999),
            new DateTime(2026, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc), new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        var instants = edges.Concat(Enumerable.Range(0, 10_000).Select(_ => new DateTime(random.NextInt64(DateTime.MaxValue.Ticks), DateTimeKind.Utc)));
        Span<byte> buffer = stackalloc byte[24];
        foreach (var instant in instants)
        {
            var written = Iso8601.FormatMilliseconds(instant, buffer);

            Assert.Equal(instant.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(buffer[..written]));
        }
    }
}
