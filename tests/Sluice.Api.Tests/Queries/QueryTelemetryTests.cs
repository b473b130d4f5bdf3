using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Queries;
using Sluice.Reactive.Runtime;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>The Sluice.Queries OpenTelemetry meter, read with a <see cref="MeterListener"/>.</summary>
public sealed class QueryTelemetryTests : IClassFixture<QueriesApp>
{
    private readonly QueriesApp app;

    public QueryTelemetryTests(QueriesApp app) => this.app = app;

    [Fact]
    public async Task Counts_gauges_and_latency_histograms_are_exported_per_query()
    {
        var input = $"in_{Guid.NewGuid():N}"[..20];
        var name = $"q_{Guid.NewGuid():N}"[..20];
        await app.CreateStreamOrFailAsync(new { name = input });
        await app.AppendAsync(input, """[{"id":1,"text":"a"},{"id":2,"text":"b"},{"id":3,"text":"c"}]""");

        var measurements = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == QueryTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == QueryTelemetry.QueryTag && Equals(tag.Value, name))
                {
                    measurements[instrument.Name] = value;
                }
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var registry = app.Services.GetRequiredService<QueryRegistry>();
        var registered = await registry.RegisterAsync(name, FakeQueries.PassThrough(input), StartFrom.Earliest, CancellationToken.None);
        await RuntimeHarness.RowsOutAsync(registered.Query!, 3);
        listener.RecordObservableInstruments();

        Assert.Equal(3, measurements["sluice.query.events_in"]);
        Assert.Equal(3, measurements["sluice.query.rows_out"]);
        Assert.Equal(0, measurements["sluice.query.late_events"]);
        Assert.Equal(0, measurements["sluice.query.lag"]);
        Assert.Equal(1, measurements["sluice.query.running"]);
        Assert.True(measurements.ContainsKey("sluice.query.read.duration"));
        Assert.True(measurements.ContainsKey("sluice.query.process.duration"));
        Assert.True(measurements.ContainsKey("sluice.query.write.duration"));
    }
}
