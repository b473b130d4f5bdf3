#!/usr/bin/env node
// Live-delivery measurements against a running Sluice on this machine. Every run is bounded in
// event count and in time, and talks only to the given base URL (127.0.0.1).
//
//   node load.mjs latency <baseUrl> [--rate 1000] [--seconds 10]
//       one subscriber; events POSTed one per request at --rate; POST start → receipt over SignalR.
//   node load.mjs fanout  <baseUrl> [--subscribers 1000] [--rate 100] [--seconds 10]
//       one stream, N SignalR connections each subscribed; counts that every event reached every one.
//   node load.mjs stall   <baseUrl> --pid <server pid> [--events 1000000] [--batch 5000] [--rate events/s]
//       one subscriber that never reads its socket while --events flow through (NDJSON batches, paced
//       to --rate when given); samples the server's RSS.
import * as signalR from '@microsoft/signalr';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [command, baseArg, ...rest] = process.argv.slice(2);
const options = Object.fromEntries(rest.reduce((pairs, token, i, all) =>
  token.startsWith('--') ? [...pairs, [token.slice(2), all[i + 1]]] : pairs, []));
const number = (name, fallback) => (options[name] === undefined ? fallback : Number(options[name]));
if (!command || !baseArg) {
  console.error('usage: node load.mjs latency|fanout|stall <baseUrl> [options]');
  process.exit(2);
}
const base = baseArg.replace(/\/$/, '');
const hardLimit = setTimeout(() => { console.error('load: hard time limit reached'); process.exit(3); }, number('limit-seconds', 600) * 1000);
hardLimit.unref();

// Plain node:http with keep-alive: cheaper per request than fetch, so the generator is not the bottleneck.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(path, body, contentType = 'application/json') {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, response => {
      const chunks = [];
      response.on('data', chunk => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (response.statusCode >= 300) reject(new Error(`${path} answered ${response.statusCode}: ${text}`));
        else resolve(text ? JSON.parse(text) : null);
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

// --storage postgres measures the same against a postgres stream (the service needs ConnectionStrings__Postgres).
async function createStream(prefix, extra = {}) {
  const name = `${prefix}_${Date.now().toString(36)}`;
  await post('/api/streams', JSON.stringify({ name, storage: options.storage ?? 'memory', ...extra }));
  return name;
}

function connect() {
  return new signalR.HubConnectionBuilder()
    .withUrl(`${base}/hubs/streams`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.Error)
    .build();
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

// Sends `total` events at `rate`/s, one POST each, calling `send(i)`; keeps at most `inFlight` open.
async function paced(total, rate, send, inFlight = 256) {
  const started = performance.now();
  const pending = new Set();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    while (pending.size >= inFlight) await Promise.race(pending);
    const p = send(i).finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  return (performance.now() - started) / 1000;
}

async function latency() {
  const rate = number('rate', 1000);
  const total = rate * number('seconds', 10);
  const warmup = Math.min(500, Math.floor(total / 10));
  const stream = await createStream('latency');
  const connection = connect();
  await connection.start();
  const sentAt = new Float64Array(total);
  const latencies = [];
  let received = 0;
  const done = new Promise((resolve, reject) => {
    connection.stream('Subscribe', stream, 0).subscribe({
      next: e => {
        const i = e.data.i;
        if (i >= warmup) latencies.push(performance.now() - sentAt[i]);
        if (++received === total) resolve();
      },
      error: reject,
      complete: () => {},
    });
  });
  const seconds = await paced(total, rate, async i => {
    sentAt[i] = performance.now();
    await post(`/api/streams/${stream}/events`, `{"i":${i},"sensor":"s${i % 10}","value":${i % 1000}}`);
  });
  await Promise.race([done, sleep(30_000).then(() => { throw new Error(`only ${received} of ${total} received`); })]);
  await connection.stop();
  latencies.sort((a, b) => a - b);
  report({
    scenario: 'latency', storage: options.storage ?? 'memory', stream, events: total, measured: latencies.length, targetRate: rate, achievedRate: round(total / seconds, 1),
    p50Ms: round(percentile(latencies, 50)), p90Ms: round(percentile(latencies, 90)), p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1]),
  });
}

async function fanout() {
  const subscribers = number('subscribers', 1000);
  const rate = number('rate', 100);
  const total = rate * number('seconds', 10);
  const stream = await createStream('fanout');
  const connections = [];
  const counts = new Int32Array(subscribers);
  const outOfOrder = new Int32Array(subscribers);
  const latencies = [];
  const sentAt = new Float64Array(total);
  let finished = 0;
  let allDone;
  const everyoneDone = new Promise(resolve => { allDone = resolve; });
  const errors = [];
  let stopping = false;
  for (let s = 0; s < subscribers; s += 50) {
    // Connect in waves of 50 so the handshakes do not time out on a 2-core machine.
    await Promise.all(Array.from({ length: Math.min(50, subscribers - s) }, async (_, k) => {
      const index = s + k;
      const connection = connect();
      connection.serverTimeoutInMilliseconds = 120_000;
      await connection.start();
      connections.push(connection);
      connection.stream('Subscribe', stream, 0).subscribe({
        next: e => {
          if (e.offset !== counts[index]) outOfOrder[index]++;
          counts[index]++;
          if (index % 50 === 0) latencies.push(performance.now() - sentAt[e.data.i]);
          if (counts[index] === total && ++finished === subscribers) allDone();
        },
        error: err => { if (!stopping) errors.push(String(err)); },
        complete: () => {},
      });
    }));
  }
  const seconds = await paced(total, rate, async i => {
    sentAt[i] = performance.now();
    await post(`/api/streams/${stream}/events`, `{"i":${i},"value":${i}}`);
  });
  await Promise.race([everyoneDone, sleep(60_000)]);
  const delivered = counts.reduce((a, b) => a + b, 0);
  stopping = true;
  await Promise.all(connections.map(c => c.stop()));
  latencies.sort((a, b) => a - b);
  report({
    scenario: 'fanout', storage: options.storage ?? 'memory', stream, subscribers, events: total, achievedRate: round(total / seconds, 1),
    expectedDeliveries: total * subscribers, delivered, complete: delivered === total * subscribers,
    subscribersOutOfOrder: outOfOrder.filter(x => x > 0).length, errors: errors.slice(0, 3), errorCount: errors.length,
    sampledLatencyP50Ms: round(percentile(latencies, 50)), sampledLatencyP99Ms: round(percentile(latencies, 99)),
  });
}

async function stall() {
  const pid = number('pid', NaN);
  if (!Number.isFinite(pid)) throw new Error('stall needs --pid <server pid> to read its RSS');
  const total = number('events', 1_000_000);
  const batch = number('batch', 5_000);
  const rate = number('rate', Infinity);
  const stream = await createStream('stall');
  const rssBefore = rssOf(pid);

  // A raw SignalR client over WebSockets that subscribes, then stops reading its socket.
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/hubs/streams`);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  socket.send('{"protocol":"json","version":1}\u001e');
  socket.send(`{"type":4,"invocationId":"1","target":"Subscribe","arguments":["${stream}",0]}\u001e`);
  await sleep(200);
  socket._socket.pause();

  const padding = 'x'.repeat(64);
  const samples = [];
  let peak = rssBefore;
  const started = performance.now();
  for (let first = 0; first < total; first += batch) {
    const count = Math.min(batch, total - first);
    let body = '';
    for (let i = 0; i < count; i++) body += `{"i":${first + i},"sensor":"s${i % 10}","value":${i},"pad":"${padding}"}\n`;
    await post(`/api/streams/${stream}/events`, body, 'application/x-ndjson');
    const due = started + ((first + count) * 1000) / rate;
    if (due - performance.now() > 1) await sleep(due - performance.now());
    const rss = rssOf(pid);
    peak = Math.max(peak, rss);
    if ((first + count) % 100_000 === 0) samples.push({ events: first + count, rssMiB: round(rss, 1) });
  }
  const seconds = (performance.now() - started) / 1000;

  // Read what the stalled client was sent: its error should name where to resume.
  let resumeMessage = null;
  let itemsSeen = 0;
  const ended = new Promise(resolve => {
    let pending = '';
    socket.on('message', data => {
      pending += data.toString();
      let at;
      while ((at = pending.indexOf('\u001e')) >= 0) {
        const frame = pending.slice(0, at);
        pending = pending.slice(at + 1);
        const message = JSON.parse(frame);
        if (message.type === 2) itemsSeen++;
        if (message.type === 3) { resumeMessage = message.error ?? '(completed without error)'; resolve(); }
      }
    });
  });
  socket._socket.resume();
  await Promise.race([ended, sleep(30_000)]);
  socket.terminate();
  report({
    scenario: 'stall', stream, events: total, targetRate: Number.isFinite(rate) ? rate : 'unpaced', ingestSeconds: round(seconds, 1), ingestRate: Math.round(total / seconds),
    rssBeforeMiB: round(rssBefore, 1), rssPeakMiB: round(peak, 1), rssAfterMiB: round(rssOf(pid), 1), samples,
    stalledSubscriberReceived: itemsSeen, stalledSubscriberEndedWith: resumeMessage,
  });
}

function report(result) {
  console.log(JSON.stringify(result, null, 2));
}

try {
  if (command === 'latency') await latency();
  else if (command === 'fanout') await fanout();
  else if (command === 'stall') await stall();
  else throw new Error(`unknown command ${command}`);
  process.exit(0);
} catch (error) {
  console.error(`load ${command}: ${error.stack ?? error}`);
  process.exit(1);
}
