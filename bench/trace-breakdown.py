"""Where the service's sampled thread time goes, by stage of the event path (docs/benchmarks.md).

Input: a dotnet-trace file of the service taken with --profile dotnet-sampled-thread-time (bench/nexmark-e2e.sh --trace),
converted with `dotnet-trace convert FILE --format speedscope`. Samples of threads blocked in a known wait are left out;
the rest (managed code, and native code outside those waits, such as a collection run on an allocating thread) are
put in the first stage whose frames they contain. Usage: python3 bench/trace-breakdown.py FILE.speedscope.json [N other stacks]
"""
import sys, collections
from speedscope_samples import has, thread_time
def deepest(s, key): return max((i for i, f in enumerate(s) if key in f), default=-1)
# A query run resumed from an awaited decode hand-off carries InputDecoder frames below its own: decoding only when deeper.
def decoding(s): return deepest(s, 'InputDecoder') > deepest(s, 'QueryRun')
cats = [
 ('GC: threads stopped for a collection (PollGC)', lambda s: has(s, 'PollGC')),
 ('query: waiting on the decode lock (Lock.TryEnterSlow)', lambda s: has(s, 'Lock.TryEnterSlow', 'Lock.EnterAndGetCurrentThreadId') and has(s, 'InputDecoder')),
 ('query: decode, spinning for another run\'s share (AwaitOther, SpinWait)', lambda s: decoding(s) and has(s, 'InputDecoder.AwaitOther(', 'SpinWait', 'SpinOnce', 'Thread.Yield', 'Thread.SpinWait')),
 ('query: decode (InputDecoder/RowDecoder)', decoding),
 ('query: output encode (RowEncoder)', lambda s: has(s, 'RowEncoder')),
 ('query: output append (log + tail)', lambda s: has(s, 'QueryRun') and has(s, 'AppendAsync')),
 ('query: operators (Rx pipeline)', lambda s: has(s, 'PumpAsync') and has(s, 'Sluice.Reactive.Operators', 'OnRow', 'Subject', 'lambda_method')),
 ('query: cursor, tail read, run loop', lambda s: has(s, 'QueryRun', 'StreamCursor', 'StreamTail')),
 ('ingest: parse + validate (EventBatchParser)', lambda s: has(s, 'EventBatchParser')),
 ('ingest: store append (MemoryStreamLog, tail)', lambda s: has(s, 'MemoryStreamLog.AppendAsync')),
 ('ingest: body read (EventBodyReader)', lambda s: has(s, 'EventBodyReader')),
 ('ingest: HTTP pipeline (Kestrel, middleware, endpoint)', lambda s: has(s, 'Kestrel', 'Http1', 'HttpProtocol', 'StreamsApi', 'Middleware')),
 ('sockets', lambda s: has(s, 'Socket')),
 ('thread pool: idle workers spinning for work', lambda s: s[-1].endswith('WorkerThreadStart()') or has(s[-2:], 'LowLevelLifoSemaphore', 'WorkerThreadStart')),
 ('other', lambda s: True),
]
counts = collections.Counter(); waits = 0
others = collections.Counter()
# Native time in SpinWait counts as waiting here too (managed spinning stays in its stage above).
for s, w, state in thread_time(sys.argv[1], extra_waits=('SpinWait',)):
    if state == 'waiting':
        waits += w
        continue
    for name, pred in cats:
        if pred(s):
            counts[(name, state == 'managed')] += w
            if name == 'other': others[' < '.join(x.split('!')[-1][:60] for x in s[-3:][::-1])] += w
            break
running = sum(counts.values())
print(f'not running {waits:.0f} ms, running {running:.0f} ms (managed + native outside waits)')
byname = collections.Counter()
for (n, managed), c in counts.items(): byname[n] += c
for n, c in byname.most_common():
    print(f'{100*c/running:5.1f} %  {n}   (of which native {100*counts[(n, False)]/running:.1f} %)')
if len(sys.argv) > 2:
    for k, c in others.most_common(int(sys.argv[2])): print(f'{100*c/running:5.1f}', k)
