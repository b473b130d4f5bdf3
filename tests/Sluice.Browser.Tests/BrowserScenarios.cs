using Xunit.Abstractions;

namespace Sluice.Browser.Tests;

/// <summary>
/// Each test runs one node script of tests/browser against the real service: Chromium through
/// playwright-core for the UI, the official @microsoft/signalr client for live delivery.
/// Screenshots land in tests/browser/screenshots for review.
/// </summary>
[Collection(nameof(ServiceCollection))]
public sealed class BrowserScenarios(ServiceProcess service, ITestOutputHelper output)
{
    [Fact]
    public Task Creating_a_stream_and_posting_events_shows_them_live_in_the_table_and_the_chart() => RunAsync("streams.mjs");

    [Fact]
    public Task The_editor_marks_the_line_and_column_of_a_validation_error_and_shows_the_plan_when_fixed() => RunAsync("editor-marks.mjs");

    [Fact]
    public Task A_bad_query_shows_its_error_at_the_line_and_column_the_engine_reports() => RunAsync("query-editor.mjs");

    [Fact]
    public Task Queries_registered_from_the_editor_stream_rows_changelogs_and_metrics_into_the_page() => RunAsync("query-results.mjs");

    [Fact]
    public Task Replacing_a_query_clears_the_live_table_and_chart_on_reset_and_the_edit_action_replaces_it() => RunAsync("query-replace.mjs");

    [Fact]
    public Task The_signalr_javascript_client_replays_then_follows_with_no_gap_or_duplicate() => RunAsync("signalr-replay.mjs");

    [Fact]
    public Task The_query_page_draws_the_servers_metrics_over_time_and_they_move_while_events_flow() => RunAsync("query-metrics-over-time.mjs");

    [Fact]
    public Task Swagger_sends_the_ndjson_example_as_raw_text_and_it_is_appended() => RunAsync("swagger-ndjson.mjs");

    [Fact]
    public Task Axe_finds_no_serious_violation_on_any_tab_and_the_keyboard_reaches_stop_and_delete_and_390_px_fits() => RunAsync("accessibility.mjs");

    [Fact]
    public Task The_ui_keeps_the_readme_promises_follow_from_first_retained_chart_by_key_query_page_rates_and_unreachable_server() => RunAsync("ui-behaviour.mjs");

    private async Task RunAsync(string script)
    {
        var (exitCode, text) = await NodeScript.RunAsync(script, service.BaseUrl, TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"{script} exited with {exitCode}:\n{text}\n--- service log ---\n{service.Log}");
    }
}

[CollectionDefinition(nameof(ServiceCollection))]
public sealed class ServiceCollection : ICollectionFixture<ServiceProcess>;
