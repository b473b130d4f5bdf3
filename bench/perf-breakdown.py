"""Where the service's CPU goes, by stage of the event path, from on-CPU samples (docs/benchmarks.md).

Input: a perf.data of the service taken by `bench/nexmark-e2e.sh --perf FILE` (perf record -g, the runtime's perf map
on, W^X off so JIT-compiled frames have names). Unlike a dotnet-trace thread-time profile, every sample here is a
thread the OS was running, so the shares are shares of the service's CPU time. Each sample goes to the first stage
whose frames it contains. Usage: python3 bench/perf-breakdown.py FILE [N: also the N commonest leaves of "other"]
or python3 bench/perf-breakdown.py FILE STAGE N: also the N commonest leaves, and the N commonest frames of Sluice's own
code nearest the leaf, of the stages whose name starts with STAGE (say "ingest: parse" or "thread pool: idle").
"""
import collections, sys

from perf_samples import samples

def has(stack, *keys): return any(k in f for f in stack for k in keys)

cats = [
 ('JIT compiler (tiering, OSR)', lambda s: has(s, 'libclrjit.so')),
 ('thread pool: idle workers spinning or parking', lambda s: has(s, 'LowLevelLifoSemaphore', 'WorkerThreadStart') and not has(s, 'Dispatch()')),
 ('ingest: parse + validate (EventBatchParser)', lambda s: has(s, 'EventBatchParser')),
 ('query: output encode (RowEncoder)', lambda s: has(s, 'RowEncoder', 'DirectRowWriter')),
 ('query: output append (log + tail)', lambda s: has(s, 'QueryRun') and has(s, 'AppendAsync')),
# Before the body read: an append that runs in the body read's continuation has both on its stack.
 ('ingest: store append (MemoryStreamLog, tail)', lambda s: has(s, 'MemoryStreamLog::AppendAsync')),
 ('ingest: body read (EventBodyReader)', lambda s: has(s, 'EventBodyReader')),
 ('query: decode (InputDecoder/RowDecoder)', lambda s: has(s, 'InputDecoder', 'RowDecoder')),
 ('query: operators (Rx pipeline)', lambda s: has(s, 'Sluice.Reactive.Operators', 'lambda_method', 'Subject')),
 ('query: cursor, tail read, run loop', lambda s: has(s, 'QueryRun', 'StreamCursor', 'StreamTail', 'TailMemo')),
 ('ingest: HTTP pipeline (Kestrel, middleware, endpoint)', lambda s: has(s, 'Kestrel', 'HttpProtocol', 'StreamsApi', 'Middleware', 'AspNetCore')),
 ('sockets', lambda s: has(s, 'Socket', 'epoll_wait', '__libc_recv', '__send')),
 ('thread pool: dispatch, timers, task continuations', lambda s: has(s, 'ThreadPoolWorkQueue', 'TimerQueue', 'System.Threading.Tasks')),
 ('runtime, unnamed (GC, allocation, stubs: libcoreclr)', lambda s: has(s[:3], 'libcoreclr.so')),
 ('kernel, unnamed (page faults, scheduler)', lambda s: has(s[:1], 'kernel.kallsyms')),
 ('other', lambda s: True),
]
stage = sys.argv[2] if len(sys.argv) > 3 else None
counts = collections.Counter(); others = collections.Counter(); own = collections.Counter(); faults = 0; total = 0
for s in samples(sys.argv[1]):
    total += 1
    if has(s, 'exc_page_fault'):
        faults += 1
    for name, pred in cats:
        if pred(s):
            counts[name] += 1
            if (stage is None and name == 'other') or (stage is not None and name.startswith(stage)):
                others[s[0][:100]] += 1
                if stage is not None:
                    own[next((f[:100] for f in s if 'Sluice.' in f), '(no Sluice frame)')] += 1
            break
print(f'{total} samples')
for n, c in counts.most_common():
    print(f'{100*c/total:5.1f} %  {n}')
print(f'(across stages: page faults {100*faults/total:.1f} %)')
if len(sys.argv) > 2:
    n = int(sys.argv[-1])
    print(f'leaves of {stage or "other"}:')
    for k, c in others.most_common(n):
        print(f'{100*c/total:5.1f}', k)
    if stage is not None:
        print(f'nearest Sluice frames of {stage}:')
        for k, c in own.most_common(n):
            print(f'{100*c/total:5.1f}', k)
