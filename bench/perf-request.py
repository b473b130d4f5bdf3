"""Where a one-event POST's service CPU goes, by part of the request path, from on-CPU samples (docs/benchmarks.md).

Input: a perf.data of the service taken during `Sluice.Load ingest --mode single` (perf record -g, the runtime's perf
map on, W^X off; bench/request-profile.sh does all of it). Each sample goes to the innermost part it shows: walking
from the leaf towards the thread's start, the first frame that names a part decides. So a send syscall made while the
endpoint writes its answer counts as "socket send", and the endpoint's own share is only its own code and what it calls
that no other part names. Usage: python3 bench/perf-request.py FILE [PART N: also the N commonest leaves of that part]
"""
import collections, sys

from perf_samples import samples

# (part, substrings of a frame that put the sample there), most specific first within one frame.
parts = [
    ('JIT compiler', ['libclrjit.so']),
    ('socket receive (syscall, SocketAsyncContext)', ['__libc_recv', 'sys_recvfrom', 'TryCompleteReceive', 'SocketAsyncContext::Receive', 'Socket::ReceiveAsync']),
    ('socket send (syscall, SocketAsyncContext)', ['__send ', '__send(', 'sys_sendto', 'TryCompleteSendTo', 'SocketAsyncContext::Send', 'Socket::SendAsync']),
    ('epoll and the socket engine', ['epoll_wait', 'SocketAsyncEngine']),
    ('endpoint: body read (EventBodyReader)', ['EventBodyReader']),
    ('endpoint: parse (EventBatchParser)', ['EventBatchParser', 'Sluice.Data.Ingest']),
    ('endpoint: append (MemoryStreamLog)', ['MemoryStreamLog', 'Sluice.Data.Memory', 'StreamTail']),
    ('endpoint: response (AppendedResult)', ['AppendedResult']),
    ('endpoint: handler (AppendAsync, stream lookup, rates)', ['StreamsApi', 'EventAppends', 'StreamStore', 'EventRateLimits', 'StreamRates', 'Sluice.Data']),
    ('endpoint: scope check (ScopeFilter, RequireScopes)', ['ScopeFilter', 'ScopeSet', 'Sluice.Api.Auth.Scope']),
    ('endpoint: parameter binding and filter pipeline (RequestDelegateFactory)', ['lambda_method', 'RequestDelegateFactory', 'EndpointFilterInvocationContext', 'Microsoft.AspNetCore.Http.Extensions', 'ParameterBindingMethodCache']),
    ('auth gate (AccessGate)', ['AccessGate', 'Sluice.Api.Auth']),
    ('routing (EndpointRoutingMiddleware, DfaMatcher, EndpointMiddleware)', ['Microsoft.AspNetCore.Routing']),
    ('middleware: Swagger, static files, status pages, exception handler, rate limiter', ['Swashbuckle', 'StaticFiles', 'Microsoft.AspNetCore.Diagnostics', 'RateLimiting', 'Sluice.Api.WebUi', 'Sluice.Api.Infrastructure']),
    ('hosting: request context, Activity, log scope, metrics', ['Microsoft.AspNetCore.Hosting', 'System.Diagnostics.Activity', 'DiagnosticSource', 'Microsoft.Extensions.Logging']),
    ('Kestrel: request parse, headers, body pipe, response write', ['Kestrel', 'System.IO.Pipelines', 'Microsoft.AspNetCore.Http', 'Microsoft.Net.Http.Headers']),
    ('thread pool: idle workers spinning or parking', ['LowLevelLifoSemaphore', 'WorkerThreadStart', 'sched_yield']),
    ('thread pool: dispatch, task continuations', ['ThreadPoolWorkQueue', 'System.Threading.Tasks', 'ExecutionContext', 'AsyncTaskMethodBuilder', 'AsyncMethodBuilderCore']),
    ('runtime: GC, allocation, casts, stubs (libcoreclr)', ['libcoreclr.so', 'CastHelpers', 'VirtualDispatchHelpers', 'stub ']),
    ('kernel, other (scheduler, page faults)', ['kernel.kallsyms']),
]


# The last three parts name code that runs for every part (allocation, the scheduler): a sample goes there only when
# no frame of its stack names a part above them.
specific, generic = parts[:-3], parts[-3:]


def part_of(stack):
    for group in (specific, generic):
        for frame in stack:
            for name, keys in group:
                if any(k in frame for k in keys):
                    return name
    return 'other'


if __name__ == '__main__':
    wanted = sys.argv[2] if len(sys.argv) > 3 else None
    counts = collections.Counter(); leaves = collections.Counter(); total = 0; runtime = 0; kernel = 0
    for stack in samples(sys.argv[1]):
        total += 1
        runtime += 'libcoreclr.so' in stack[0]
        kernel += 'kernel.kallsyms' in stack[0]
        name = part_of(stack)
        counts[name] += 1
        if wanted is not None and name.startswith(wanted):
            leaves[stack[0][:110]] += 1
    print(f'{total} samples')
    for name, c in counts.most_common():
        print(f'{100 * c / total:5.1f} %  {name}')
    print(f'(across parts: leaf in the runtime, libcoreclr {100 * runtime / total:.1f} %; leaf in the kernel {100 * kernel / total:.1f} %)')
    if wanted is not None:
        print(f'leaves of {wanted}:')
        for k, c in leaves.most_common(int(sys.argv[3])):
            print(f'{100 * c / total:5.1f}', k)
