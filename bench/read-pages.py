#!/usr/bin/env python3
"""Reading a memory stream over HTTP in pages (docs/benchmarks.md, "Large receive blocks"): against a running service,
creates the stream `rb`, appends 100,000 events of ~190 bytes, then twice reads 200 pages of 10,000 events
(GET /api/streams/rb/events) and prints the bytes read, the wall time and the service's CPU time for each pass.
Usage: python3 bench/read-pages.py PORT SERVICE_PID   (a service on 127.0.0.1:PORT, memory mode, no credentials)"""
import http.client, json, os, sys, time

port, pid = int(sys.argv[1]), int(sys.argv[2])
connection = http.client.HTTPConnection('127.0.0.1', port)


def request(method, path, body=None, headers=None):
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def service_cpu_seconds():
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


request('POST', '/api/streams', json.dumps({"name": "rb", "storage": "memory"}), {'Content-Type': 'application/json'})
line = json.dumps({"id": 1, "name": "x" * 150, "ts": "2026-01-01T00:00:00.000Z"})
batch = "\n".join([line] * 1000)
for _ in range(100):
    request('POST', '/api/streams/rb/events', batch, {'Content-Type': 'application/x-ndjson'})
for run in (1, 2):
    started, cpu, read = time.time(), service_cpu_seconds(), 0
    for page in range(200):
        status, body = request('GET', f'/api/streams/rb/events?from={(page % 10) * 10000}&limit=10000')
        assert status == 200, status
        read += len(body)
    print(f"pass {run}: {read / 1e6:.0f} MB in {time.time() - started:.2f} s, service CPU {service_cpu_seconds() - cpu:.2f} s")
