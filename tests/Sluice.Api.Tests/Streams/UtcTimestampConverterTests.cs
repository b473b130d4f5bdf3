using System.Text.Json;
using Sluice.Api.Infrastructure;
using Sluice.Api.Streams;

namespace Sluice.Api.Tests.Streams;

/// <summary>The API's timestamps are written and read in the one form event payloads use (EventTimestamps).</summary>
public sealed class UtcTimestampConverterTests
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    [Fact]
    public void Any_offset_is_written_in_utc_with_milliseconds_and_z()
    {
        // 12:00:00.2507 at +02:00: ticks below the millisecond are dropped, the offset moved into the hour.
        var value = new DateTimeOffset(2024, 5, 1, 12, 0, 0, 250, TimeSpan.FromHours(2)).AddTicks(7_000);

        Assert.Equal("\"2024-05-01T10:00:00.250Z\"", JsonSerializer.Serialize(value, Options));
    }

    [Fact]
    public void A_whole_second_keeps_its_three_zero_digits()
    {
        var value = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal("\"2024-05-01T10:00:00.000Z\"", JsonSerializer.Serialize(value, Options));
    }

    [Theory]
    [InlineData("\"2024-05-01T12:00:00.250+02:00\"")]
    [InlineData("\"2024-05-01T10:00:00.250Z\"")]
    [InlineData("\"2024-05-01T10:00:00.250\"")]
    [InlineData("1714557600250")]
    public void Reads_what_event_ingest_reads(string json)
    {
        var expected = new DateTimeOffset(2024, 5, 1, 10, 0, 0, 250, TimeSpan.Zero);

        Assert.Equal(expected, JsonSerializer.Deserialize<DateTimeOffset>(json, Options));
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("-1")]
    [InlineData("true")]
    public void Anything_else_is_a_json_error_that_says_what_was_expected(string json)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>(json, Options));

        Assert.Contains("ISO-8601", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_record_writes_both_of_its_timestamps_in_the_one_form()
    {
        var record = new EventRecord(
            3,
            new DateTimeOffset(2024, 5, 1, 10, 0, 0, 250, TimeSpan.Zero),
            new DateTimeOffset(2024, 5, 1, 10, 0, 1, 0, TimeSpan.Zero).AddTicks(12_345),
            new RawJson("{}"u8.ToArray()));

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(record, Options));

        Assert.Equal("2024-05-01T10:00:00.250Z", json.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal("2024-05-01T10:00:01.001Z", json.RootElement.GetProperty("ingestedAt").GetString());
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonDefaults.Configure(options);
        return options;
    }
}
