"""Where an in-process Nexmark run's time goes, from on-CPU samples (docs/benchmarks-nexmark.md, q16's eighth pass).

Input: a perf.data of the quick runner taken with call graphs and the runtime's perf map, e.g.
  DOTNET_EnableWriteXorExecute=0 DOTNET_PerfMapEnabled=3 DOTNET_TC_DelaySingleProcMultiplier=1 \
    perf record -F 2000 -g -o q16.perf -- taskset -c 0 dotnet bench/Sluice.Benchmarks/bin/Release/net10.0/Sluice.Benchmarks.dll quick q16 300000
Only samples under NexmarkWorkload.Run (the measured runs, not generating the events) count. Prints the commonest leaf
frames (the runtime, memset and the kernel each as one line), then, inclusively, the share of samples holding each of
the frames given after the file (default: the GROUP BY operator's steps), and the share with a page fault.
Usage: python3 bench/perf-leaves.py FILE [N leaves] [FRAME...]
"""
import collections, sys

from perf_samples import samples

def leaf(frame):
    for key, name in (('libcoreclr', 'the runtime (libcoreclr: collector, allocation helpers)'), ('memset', 'memset (clearing new memory)'),
                      ('kernel', 'the kernel (page faults, mostly)'), ('libclrjit', 'the JIT')):
        if key in frame:
            return name
    return frame.split('(')[0].strip()[-110:]

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
frames = sys.argv[3:] or ['GroupAggregateSink::OnRow', 'GroupAggregateSink::Flush', 'GroupKey::Of', 'GroupTable::TryGetValue',
                          'PackedRowPlan::Row', 'PackedLayout::Change', 'DistinctTable::Grow', 'AggregateGroup::Create']
measured = [s for s in samples(path) if any('NexmarkWorkload::Run' in f for f in s)]
print(f'{len(measured)} samples under NexmarkWorkload.Run')
for name, n in collections.Counter(leaf(s[0]) for s in measured).most_common(top):
    print(f'{100 * n / len(measured):5.1f} %  {name}')
print('inclusive:')
for frame in frames + ['exc_page_fault']:
    n = sum(1 for s in measured if any(frame in f for f in s))
    print(f'{100 * n / len(measured):5.1f} %  {frame}')
