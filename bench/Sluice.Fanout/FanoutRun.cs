using System.Net.Http.Json;

namespace Sluice.Fanout;

/// <summary>
/// The fan-out scenario in one process: N subscribers each follow one new stream from offset 0 over their own
/// WebSocket; the pacer POSTs rate × seconds events; every subscriber must receive every event once and in order.
/// Order of a run: connect (in waves) → settle → idle window → deliveries (first POST to last delivery) → stop.
/// </summary>
public static class FanoutRun
{
    public static async Task<FanoutSummary> RunAsync(FanoutSettings settings, TextWriter? progress = null)
    {
        var clientCpuStart = ProcessCpu.OwnSeconds();
        using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = settings.BaseUrl, Timeout = TimeSpan.FromSeconds(120) };
        var stream = $"fanout_{DateTime.UtcNow:HHmmssfff}";
        using (var created = await http.PostAsJsonAsync("/api/streams", new { name = stream, storage = settings.Storage }))
        {
            created.EnsureSuccessStatusCode();
        }

        // The WebSocket upgrades go through a handler of their own, apart from the pacer's pooled POST connections.
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        var total = settings.Events;
        var finished = 0;
        var allFinished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = new List<HubSubscriberConnection>(settings.Subscribers);
        var hubUrl = new Uri(settings.BaseUrl, "/hubs/streams");
        var retries = 0;
        var connectStarted = FanoutClock.NowMs();
        for (var first = 0; first < settings.Subscribers; first += settings.Wave)
        {
            if (first > 0 && settings.WavePauseMs > 0)
            {
                await Task.Delay(settings.WavePauseMs);
            }
            var wave = Enumerable.Range(first, Math.Min(settings.Wave, settings.Subscribers - first)).Select(async index =>
            {
                for (var attempt = 0; ; attempt++)
                {
                    var ledger = new SubscriberLedger(total, index % settings.SampleEvery == 0, () =>
                    {
                        if (Interlocked.Increment(ref finished) == settings.Subscribers)
                        {
                            allFinished.TrySetResult();
                        }
                    });
                    try
                    {
                        return await HubSubscriberConnection.ConnectAsync(hubUrl, invoker, stream, ledger, CancellationToken.None);
                    }
                    catch (Exception) when (attempt < 3)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(TimeSpan.FromSeconds(attempt + 1));
                    }
                }
            });
            connections.AddRange(await Task.WhenAll(wave));
        }
        var connectSeconds = (FanoutClock.NowMs() - connectStarted) / 1000;
        progress?.WriteLine($"{connections.Count} subscribers connected in {connectSeconds:F1} s");

        using var stopPinging = new CancellationTokenSource();
        var pinging = new Pinger(connections, TimeSpan.FromSeconds(10)).RunAsync(stopPinging.Token);
        if (settings.Settle > TimeSpan.Zero)
        {
            await Task.Delay(settings.Settle);
        }

        double? idleCpu = null;
        if (settings.IdleSeconds > 0)
        {
            progress?.WriteLine("idle window started");
            var idleBefore = ProcessCpu.SecondsOf(settings.ServicePid);
            await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds));
            idleCpu = ProcessCpu.SecondsOf(settings.ServicePid) - idleBefore;
            progress?.WriteLine($"idle window: {idleCpu:F2} s of service CPU in {settings.IdleSeconds} s");
        }

        var serviceCpuBefore = ProcessCpu.SecondsOf(settings.ServicePid);
        var clientCpuBefore = ProcessCpu.OwnSeconds();
        var firstPostAt = FanoutClock.NowMs();
        // A profiler can be attached to the service on this line (bench/signalr-load/fanout-profile.sh).
        progress?.WriteLine("deliveries started");
        var pacer = await Pacer.RunAsync(http, stream, settings.Rate, total);
        var lastPostAt = FanoutClock.NowMs();
        progress?.WriteLine("last POST answered");
        try
        {
            await allFinished.Task.WaitAsync(settings.DrainTimeout);
        }
        catch (TimeoutException)
        {
            // Reported below: the subscribers still short of the last event count as incomplete.
        }
        var serviceCpuAfter = ProcessCpu.SecondsOf(settings.ServicePid);
        var clientCpuAfter = ProcessCpu.OwnSeconds();

        stopPinging.Cancel();
        await pinging;
        foreach (var connection in connections)
        {
            connection.Stop();
        }
        await Task.WhenAll(connections.Select(c => c.Receiving));

        var ledgers = connections.Select(c => c.Ledger).ToList();
        var delivered = ledgers.Sum(l => l.Delivered);
        var lastDeliveryAt = ledgers.Max(l => l.LastDeliveryMs);
        var window = Math.Max(0, lastDeliveryAt - firstPostAt) / 1000;
        var latencies = ledgers.SelectMany(l => l.LatenciesMs).Order().ToArray();
        var serviceCpu = serviceCpuAfter - serviceCpuBefore;
        var idleOverWindow = idleCpu / settings.IdleSeconds * window;
        var errors = ledgers.Where(l => l.Error is not null).Select(l => l.Error!).ToList();
        return new FanoutSummary
        {
            Storage = settings.Storage,
            Stream = stream,
            Subscribers = settings.Subscribers,
            Events = total,
            TargetRate = settings.Rate,
            ConnectSeconds = Round(connectSeconds),
            ConnectRetries = retries,
            ConnectionsClosed = ledgers.Count(l => l.Closed),
            AchievedPostRate = Round(pacer.AchievedRate, 1),
            PostRoundTripP50Ms = Round(pacer.PostP50Ms),
            PostRoundTripP99Ms = Round(pacer.PostP99Ms),
            PostSeconds = Round((lastPostAt - firstPostAt) / 1000),
            ExpectedDeliveries = (long)total * settings.Subscribers,
            Delivered = delivered,
            Complete = ledgers.All(l => l.Complete),
            SubscribersIncomplete = ledgers.Count(l => l.Delivered != total),
            SubscribersOutOfOrder = ledgers.Count(l => l.OutOfOrderEvents > 0),
            ErrorCount = errors.Count,
            Errors = errors.Take(3).ToList(),
            DeliveryRate = window > 0 ? (long)Math.Round(delivered / window) : 0,
            DrainSecondsAfterLastPost = Round(Math.Max(0, lastDeliveryAt - lastPostAt) / 1000),
            SampledSubscribers = (settings.Subscribers + settings.SampleEvery - 1) / settings.SampleEvery,
            LatencyP50Ms = Round(Percentiles.Of(latencies, 50)),
            LatencyP90Ms = Round(Percentiles.Of(latencies, 90)),
            LatencyP99Ms = Round(Percentiles.Of(latencies, 99)),
            LatencyMaxMs = Round(latencies.Length > 0 ? latencies[^1] : double.NaN),
            DeliveryWindowSeconds = Round(window),
            ServiceCpuSeconds = Round(serviceCpu),
            DeliveriesPerServiceCpuSecond = serviceCpu > 0 ? (long)Math.Round(delivered / serviceCpu.Value) : null,
            ServiceCpuPerDeliveryUs = delivered > 0 ? Round(serviceCpu * 1e6 / delivered) : null,
            IdleWindowSeconds = settings.IdleSeconds,
            ServiceCpuIdleSeconds = Round(idleCpu),
            ServiceCpuIdleOverDeliveryWindowSeconds = Round(idleOverWindow),
            ServiceCpuAboveIdlePerDeliveryUs = delivered > 0 ? Round((serviceCpu - idleOverWindow) * 1e6 / delivered) : null,
            ClientCpuSeconds = Round(ProcessCpu.OwnSeconds() - clientCpuStart),
            ClientCpuDeliveryWindowSeconds = Round(clientCpuAfter - clientCpuBefore),
            ClientCpuPerDeliveryUs = delivered > 0 ? Round((clientCpuAfter - clientCpuBefore) * 1e6 / delivered) : null,
        };
    }

    private static double Round(double value, int digits = 2) => Math.Round(value, digits);

    private static double? Round(double? value, int digits = 2) => value is { } v ? Math.Round(v, digits) : null;
}
