"""Where a service start's CPU goes, from a sampled trace of the whole process (docs/benchmarks.md, "Recovery of 1,000,000 groups").

Input: a trace taken from the process start (bench/checkpoints.sh --trace FILE: the runtime's EventPipe with the sample
profiler, written as the service stops), converted with `dotnet-trace convert FILE --format speedscope`. Prints, for the
samples that ran (managed code, or native code outside a known wait), the share of each phase of the start, found by the
frames the sample holds, then the frames with the most inclusive running time.
Usage: python3 bench/startup-breakdown.py FILE.speedscope.json [until_ms] [N top frames]
"""
import sys, collections
from speedscope_samples import has, thread_time
until = float(sys.argv[2]) if len(sys.argv) > 2 else float('inf')
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
phases = [
 ('GC (threads stopped for a collection)', lambda s: has(s, 'PollGC', 'GarbageCollect')),
 ('restore: reading the checkpoint into the pipeline', lambda s: has(s, 'ReadState', 'PipelineCheckpoint.Read', 'CheckpointFormat.Read')),
 ('checkpoint read from PostgreSQL', lambda s: has(s, 'LoadCheckpointAsync')),
 ('query recovery: compile, prepare, launch', lambda s: has(s, 'QueryRecovery', 'QueryRegistry', 'QueryCompiler')),
 ('ownership, schema check, streams open', lambda s: has(s, 'StreamOwnership', 'CatalogSchemaVersion', 'StreamStore', 'PreparePostgres', 'EventTables')),
 ('other hosted services (keys, rates, metrics history)', lambda s: has(s, 'StoredApiKeys', 'StreamRates', 'QueryMetricsHistory')),
 ('Kestrel, server and middleware start', lambda s: has(s, 'GenericWebHostService', 'KestrelServer', 'Kestrel')),
 ('host build (Program.Main before the start)', lambda s: has(s, 'Program.<Main>', 'Program.Main', '<Main>$')),
 ('other', lambda s: True),
]
counts = collections.Counter(); inclusive = collections.Counter(); waits = 0.0; running = 0.0
# Native time waiting for a child process (WaitPid) counts as waiting here too.
for s, w, state in thread_time(sys.argv[1], extra_waits=('Interop+Sys.WaitPid',), until=until):
    if state == 'waiting':
        waits += w
        continue
    running += w
    for name, pred in phases:
        if pred(s):
            counts[name] += w
            break
    for f in set(x.split('!')[-1][:110] for x in s):
        inclusive[f] += w
print(f'running {running:.0f} ms (managed + native outside waits), not running {waits:.0f} ms, up to {until} ms')
for n, c in counts.most_common():
    print(f'{100*c/running:5.1f} %  {c:7.0f} ms  {n}')
print('\nframes by inclusive running time:')
for f, c in inclusive.most_common(top):
    print(f'{c:7.0f} ms  {f}')
