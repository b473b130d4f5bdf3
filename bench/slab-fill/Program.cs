using System.Diagnostics;
using System.Globalization;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

// One fresh memory stream that keeps every event, filled with EVENTS payloads of 170 bytes in batches of 1,000, as the
// Nexmark bid stream is in bench/nexmark-e2e.sh: prints the process's CPU time for the appends and its page faults.
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_500_000;
var engine = new MemoryStreamEngine(TimeProvider.System, new IdempotencyOptions(), new MemoryStreamBudget(8L << 30));
var log = await engine.CreateAsync(new StreamDefinition("fill", StorageKind.Memory, null, TimeSpan.Zero, events, null, DateTimeOffset.UnixEpoch), CancellationToken.None);
var payload = new byte[170];
new Random(1).NextBytes(payload);
var batch = Enumerable.Range(0, 1_000).Select(_ => new NewEvent(DateTimeOffset.UnixEpoch, payload)).ToArray();

var process = Process.GetCurrentProcess();
var faultsBefore = MinorFaults();
var cpuBefore = process.TotalProcessorTime;
for (var appended = 0; appended < events; appended += batch.Length)
{
    await log.AppendAsync(batch, CancellationToken.None);
}
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"slab pages {(Environment.GetEnvironmentVariable("SLUICE_SLAB_PAGES") == "0" ? "off" : "on ")}  {events:N0} events  {cpu.TotalMilliseconds,7:F0} ms CPU  {cpu.TotalMilliseconds * 1e6 / events,6:F0} ns/event  {MinorFaults() - faultsBefore,8:N0} page faults"));

// Field 10 of /proc/self/stat: minor faults so far.
static long MinorFaults() => long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], CultureInfo.InvariantCulture);
