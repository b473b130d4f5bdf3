"""Reading a sampled-thread-time trace converted to speedscope JSON (`dotnet-trace convert FILE --format speedscope`).

Shared by bench/trace-breakdown.py (the event path under load) and bench/startup-breakdown.py (a service start): both
walk the same samples and tell running time from waiting the same way; each sorts what ran into its own stages.
"""
import json

# Native frames a blocked thread sits in: a native sample with one of these among its two innermost frames is waiting.
KNOWN_WAITS = ('LowLevelLifoSemaphore', 'WaitHandle.WaitOne', 'Monitor.Wait', 'ManualResetEventSlim.Wait', 'Interop+Sys.Read',
               'WaitForSocketEvents', 'Thread.Sleep', 'Interop+Sys.Poll', 'WaitOneNoCheck', 'TimerQueue.TimerThread',
               'GateThreadStart', 'EventLoop')


def has(stack, *keys):
    """Whether any frame name of the stack contains any of the keys."""
    return any(k in f for f in stack for k in keys)


def thread_time(path, extra_waits=(), until=float('inf')):
    """Yields (stack, ms, state) for each stretch of sampled thread time before `until` ms.

    stack: the frame names, outermost first, without the profiler's pseudo-frame. state: 'managed' (CPU_TIME),
    'native' (native code outside a known wait) or 'waiting' (native code in a wait of KNOWN_WAITS or extra_waits,
    or a thread the profiler saw blocked).
    """
    waits = KNOWN_WAITS + tuple(extra_waits)
    with open(path) as file:
        trace = json.load(file)
    frames = [f['name'] for f in trace['shared']['frames']]
    for profile in trace['profiles']:
        stack = []
        last = None
        for e in profile['events']:
            if last is not None and stack and e['at'] > last and last < until:
                s = [frames[i] for i in stack]
                kind = s[-1]
                s = s[:-1]
                if kind == 'CPU_TIME':
                    state = 'managed'
                elif kind == 'UNMANAGED_CODE_TIME' and s and not has(s[-2:], *waits):
                    state = 'native'
                else:
                    state = 'waiting'
                yield s, min(e['at'], until) - last, state
            last = e['at']
            if e['type'] == 'O':
                stack.append(e['frame'])
            elif stack:
                stack.pop()
