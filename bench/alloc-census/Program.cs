using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// What a service allocates, by type, from the allocation samples of a dotnet-trace file (one sample per ~100 kB
// allocated, with the type and the stack of the allocation that crossed the mark), as docs/benchmarks.md uses it:
//   dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x1:5 --duration 00:00:00:08 -o FILE.nettrace
//   dotnet run -c Release --project bench/alloc-census -- FILE.nettrace 30 [TYPE-SUBSTRING...]
// Prints the N types with the most sampled bytes and, for each substring given, the commonest stacks of those types.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: alloc-census FILE.nettrace N [TYPE-SUBSTRING...]");
    return 2;
}
var bytes = new Dictionary<string, long>();
var stacks = new Dictionary<string, Dictionary<string, long>>();
long total = 0;
using (var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0])))
{
    foreach (var data in log.Events)
    {
        if (data is not GCAllocationTickTraceData tick)
        {
            continue;
        }
        total += tick.AllocationAmount64;
        bytes[tick.TypeName] = bytes.GetValueOrDefault(tick.TypeName) + tick.AllocationAmount64;
        foreach (var wanted in args.Skip(2).Where(w => tick.TypeName.Contains(w, StringComparison.Ordinal)))
        {
            var frames = new List<string>();
            for (var frame = tick.CallStack(); frame is not null && frames.Count < 7; frame = frame.Caller)
            {
                if (frame.CodeAddress.FullMethodName is { Length: > 0 } name)
                {
                    frames.Add(name.Length > 90 ? name[..90] : name);
                }
            }
            var key = string.Join(" <- ", frames);
            if (!stacks.TryGetValue(wanted, out var counted))
            {
                stacks[wanted] = counted = [];
            }
            counted[key] = counted.GetValueOrDefault(key) + tick.AllocationAmount64;
        }
    }
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sampled bytes {total:N0}"));
foreach (var (type, sampled) in bytes.OrderByDescending(p => p.Value).Take(int.Parse(args[1], CultureInfo.InvariantCulture)))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{100.0 * sampled / total,5:F1} %  {type}"));
}
foreach (var (wanted, counted) in stacks)
{
    foreach (var (stack, sampled) in counted.OrderByDescending(p => p.Value).Take(3))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{100.0 * sampled / total,5:F1} %  {wanted}: {stack}"));
    }
}
return 0;
