using System.Text.Json;
using Sluice.Fanout;

namespace Sluice.Load;

/// <summary>
/// <c>load.mjs fanout</c>'s scenario with every subscriber in this one process (bench/Sluice.Fanout), so the client
/// takes a fraction of the CPU node's subscriber processes take on the machine that also runs the service.
/// </summary>
internal static class FanoutCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Options(args);
        if (options.Has("help"))
        {
            Console.WriteLine("""
                fanout --url http://127.0.0.1:5090 [--subscribers 1000] [--rate 100] [--seconds 10] [--wave 50] [--wave-pause-ms 0]
                       [--sample-every 10] [--idle-seconds 10] [--pid SERVICE_PID] [--storage memory|postgres]
                --idle-seconds measures the service's CPU with all subscribers connected and no events, before the pacer starts
                --processes is accepted (as load.mjs takes it) and ignored: every subscriber runs in this process
                """);
            return 0;
        }
        var settings = new FanoutSettings(new Uri(options.Get("url", "http://127.0.0.1:5090")))
        {
            Subscribers = options.GetInt("subscribers", 1000),
            Rate = options.GetInt("rate", 100),
            Seconds = options.GetInt("seconds", 10),
            Wave = options.GetInt("wave", 50),
            WavePauseMs = options.GetInt("wave-pause-ms", 0),
            SampleEvery = options.GetInt("sample-every", 10),
            IdleSeconds = options.GetInt("idle-seconds", 10),
            ServicePid = options.Has("pid") ? options.GetInt("pid", 0) : null,
            Storage = options.Get("storage", "memory"),
        };
        var summary = await FanoutRun.RunAsync(settings, Console.Error);
        Console.WriteLine(JsonSerializer.Serialize(summary, Json));
        return summary.Complete ? 0 : 1;
    }

    // NaN percentiles (no sampled latency) are written as "NaN" rather than failing the report.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
