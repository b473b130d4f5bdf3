using Microsoft.Extensions.Configuration;
using Sluice.Api.Streams;

namespace Sluice.Api.Tests.Streams;

/// <summary>The <c>Streams</c> settings read at start-up: defaults, accepted values, and a clear error for the rest.</summary>
public sealed class StreamSettingsTests
{
    [Fact]
    public void Postgres_groups_in_flight_default_to_one()
    {
        Assert.Equal(1, StreamSettings.PostgresGroupsInFlight(Configuration(null)));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("3", 3)]
    [InlineData("8", 8)]
    public void Postgres_groups_in_flight_take_a_whole_number_from_one_to_eight(string text, int expected)
    {
        Assert.Equal(expected, StreamSettings.PostgresGroupsInFlight(Configuration(text)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("9")]
    [InlineData("-1")]
    [InlineData("two")]
    public void Postgres_groups_in_flight_out_of_range_stop_the_start_with_the_setting_named(string text)
    {
        var error = Assert.Throws<InvalidOperationException>(() => StreamSettings.PostgresGroupsInFlight(Configuration(text)));
        Assert.Contains("Streams:PostgresGroupsInFlight", error.Message);
        Assert.Contains($"'{text}'", error.Message);
    }

    private static IConfiguration Configuration(string? groupsInFlight) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Streams:PostgresGroupsInFlight"] = groupsInFlight }).Build();
}
