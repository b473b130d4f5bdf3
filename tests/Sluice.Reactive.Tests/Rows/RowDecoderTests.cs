using System.Text;
using System.Text.Json;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Tests.Rows;

public sealed class RowDecoderTests
{
    private static object?[] Decode(string json, params (string Name, ColumnType Type)[] columns) =>
        new RowDecoder(columns.Select(c => new ColumnInfo(c.Name, c.Type)).ToArray()).Decode(Encoding.UTF8.GetBytes(json));

    private static object? DecodeOne(string value, ColumnType type) => Decode($$"""{"v":{{value}}}""", ("v", type))[0];

    [Fact]
    public void Values_land_in_column_order_whatever_the_field_order()
    {
        var row = Decode("""{"c":true,"a":1,"b":"x"}""", ("a", ColumnType.Bigint), ("b", ColumnType.Text), ("c", ColumnType.Boolean));

        Assert.Equal([1L, "x", true], row);
    }

    [Fact]
    public void An_op_kept_beside_the_data_decodes_as_the_datas_last_field()
    {
        var decoder = new RowDecoder([new ColumnInfo("k", ColumnType.Text), new ColumnInfo("op", ColumnType.Text)]);
        var at = DateTimeOffset.UnixEpoch;

        var beside = decoder.Decode(new Sluice.Data.Streams.StoredEvent(0, at, at, Encoding.UTF8.GetBytes("""{"k":"a"}""")) { Op = Sluice.Data.Streams.EventOp.Delete });
        var inside = decoder.Decode(Encoding.UTF8.GetBytes("""{"k":"a","op":"-"}"""));
        var none = decoder.Decode(new Sluice.Data.Streams.StoredEvent(0, at, at, Encoding.UTF8.GetBytes("""{"k":"b","op":"+"}""")));

        Assert.Equal(["a", "-"], beside);
        Assert.Equal(inside, beside);
        Assert.Equal(["b", "+"], none);
    }

    [Fact]
    public void Missing_fields_and_json_nulls_are_null()
    {
        var row = Decode("""{"a":null}""", ("a", ColumnType.Bigint), ("b", ColumnType.Text), ("c", ColumnType.Json), ("d", ColumnType.Any));

        Assert.Equal([null, null, null, null], row);
    }

    [Fact]
    public void Fields_not_asked_for_are_skipped_including_nested_ones()
    {
        var row = Decode("""{"skip":{"deep":[1,{"a":2}]},"a":3,"more":[{"a":4}]}""", ("a", ColumnType.Bigint));

        Assert.Equal([3L], row);
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-7", -7L)]
    [InlineData("3.0", 3L)]
    [InlineData("\"12\"", 12L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Bigint_accepts_integral_numbers_and_numeric_strings(string json, long expected) =>
        Assert.Equal(expected, DecodeOne(json, ColumnType.Bigint));

    [Theory]
    [InlineData("3.5")]
    [InlineData("\"twelve\"")]
    [InlineData("true")]
    [InlineData("{\"x\":1}")]
    [InlineData("[1]")]
    [InlineData("1e30")]
    public void Bigint_values_that_do_not_fit_are_null(string json) =>
        Assert.Null(DecodeOne(json, ColumnType.Bigint));

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("2", 2.0)]
    [InlineData("\"-0.25\"", -0.25)]
    public void Double_accepts_numbers_and_numeric_strings(string json, double expected) =>
        Assert.Equal(expected, DecodeOne(json, ColumnType.Double));

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"abc\"")]
    [InlineData("false")]
    public void Double_values_that_do_not_fit_are_null(string json) =>
        Assert.Null(DecodeOne(json, ColumnType.Double));

    [Fact]
    public void Decimal_keeps_every_digit()
    {
        Assert.Equal(12345678901234.5678901234m, DecodeOne("12345678901234.5678901234", ColumnType.Decimal));
        Assert.Equal(0.1m, DecodeOne("\"0.1\"", ColumnType.Decimal));
        Assert.Null(DecodeOne("\"ten\"", ColumnType.Decimal));
    }

    [Fact]
    public void Text_takes_strings_and_the_text_of_numbers_and_booleans()
    {
        Assert.Equal("héllo \"q\"", DecodeOne("\"h\\u00e9llo \\\"q\\\"\"", ColumnType.Text));
        Assert.Equal("1.50", DecodeOne("1.50", ColumnType.Text));
        Assert.Equal("true", DecodeOne("true", ColumnType.Text));
        Assert.Null(DecodeOne("{\"a\":1}", ColumnType.Text));
    }

    [Fact]
    public void Boolean_takes_json_booleans_and_their_spelling()
    {
        Assert.Equal(true, DecodeOne("true", ColumnType.Boolean));
        Assert.Equal(false, DecodeOne("\"False\"", ColumnType.Boolean));
        Assert.Null(DecodeOne("1", ColumnType.Boolean));
    }

    [Theory]
    [InlineData("\"2024-05-01T12:00:00.250Z\"")]
    [InlineData("\"2024-05-01T14:00:00.250+02:00\"")]
    [InlineData("1714564800250")]
    [InlineData("\"1714564800250\"")]
    public void Timestamps_from_iso_strings_or_epoch_milliseconds_are_utc(string json)
    {
        var value = Assert.IsType<DateTime>(DecodeOne(json, ColumnType.Timestamp));

        Assert.Equal(DateTimeKind.Utc, value.Kind);
        Assert.Equal(new DateTime(2024, 5, 1, 12, 0, 0, 250, DateTimeKind.Utc), value);
    }

    [Theory]
    [InlineData("2024-05-01T12:00:00Z", 0L)]
    [InlineData("2024-05-01T12:00:00.2Z", 2_000_000L)]
    [InlineData("2024-05-01T12:00:00.250Z", 2_500_000L)]
    [InlineData("2024-05-01T12:00:00.2500001Z", 2_500_001L)]
    [InlineData("2024-05-01T13:00:00+01:00", 0L)]
    [InlineData("2024-05-01 12:00:00Z", 0L)]
    public void The_stored_utc_form_decodes_with_any_fraction_length_and_offsets_become_utc(string text, long fractionTicks)
    {
        var value = Assert.IsType<DateTime>(DecodeOne($"\"{text}\"", ColumnType.Timestamp));

        Assert.Equal(DateTimeKind.Utc, value.Kind);
        Assert.Equal(new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(fractionTicks), value);
    }

    [Theory]
    [InlineData("2024-02-30T12:00:00Z")]
    [InlineData("2024-05-01T24:00:00Z")]
    [InlineData("2024-05-01T12:00:00.Z")]
    public void Timestamps_that_are_not_dates_decode_to_null(string text) =>
        Assert.Null(DecodeOne($"\"{text}\"", ColumnType.Timestamp));

    [Fact]
    public void Fields_in_an_order_other_than_the_columns_still_match()
    {
        var row = Decode("""{"c":3,"b":2,"a":1,"c2":4}""", ("a", ColumnType.Bigint), ("b", ColumnType.Bigint), ("c", ColumnType.Bigint), ("c2", ColumnType.Bigint));

        Assert.Equal([1L, 2L, 3L, 4L], row);
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("-5")]
    [InlineData("true")]
    public void Timestamps_that_do_not_parse_are_null(string json) =>
        Assert.Null(DecodeOne(json, ColumnType.Timestamp));

    [Fact]
    public void Json_columns_hold_any_value_as_an_element()
    {
        var obj = Assert.IsType<JsonElement>(DecodeOne("""{"x":[1,2]}""", ColumnType.Json));
        var number = Assert.IsType<JsonElement>(DecodeOne("5", ColumnType.Json));

        Assert.Equal(2, obj.GetProperty("x").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, number.ValueKind);
    }

    [Fact]
    public void Any_columns_take_values_as_they_come()
    {
        Assert.Equal(7L, DecodeOne("7", ColumnType.Any));
        Assert.Equal(7.5, DecodeOne("7.5", ColumnType.Any));
        Assert.Equal("7", DecodeOne("\"7\"", ColumnType.Any));
        Assert.Equal(false, DecodeOne("false", ColumnType.Any));
        Assert.Equal(JsonValueKind.Array, Assert.IsType<JsonElement>(DecodeOne("[1]", ColumnType.Any)).ValueKind);
        Assert.Equal(JsonValueKind.Object, Assert.IsType<JsonElement>(DecodeOne("{}", ColumnType.Any)).ValueKind);
    }

    [Fact]
    public void Field_names_match_case_insensitively_when_no_exact_match_exists()
    {
        var row = Decode("""{"DateTime":1,"price":2,"Price":3}""", ("datetime", ColumnType.Bigint), ("price", ColumnType.Bigint));

        Assert.Equal([1L, 2L], row);
    }

    [Fact]
    public void Escaped_field_names_match()
    {
        Assert.Equal([5L], Decode("""{"\u0061":5}""", ("a", ColumnType.Bigint)));
    }

    [Fact]
    public void A_payload_that_is_not_an_object_is_an_error()
    {
        var decoder = new RowDecoder([new ColumnInfo("a", ColumnType.Bigint)]);

        Assert.Throws<JsonException>(() => decoder.Decode("[1,2]"u8));
    }
}
