#!/usr/bin/env node
// Live-delivery measurements against a running Sluice on this machine. Every run is bounded in
// event count and in time, and talks only to the given base URL (127.0.0.1).
//
//   node load.mjs latency <baseUrl> [--rate 1000] [--seconds 10] [--pid <server pid>]
//       one subscriber; events POSTed one per request at --rate; POST start → receipt over SignalR.
//   node load.mjs fanout  <baseUrl> [--subscribers 1000] [--rate 100] [--seconds 10] [--processes 2] [--pid <server pid>]
//                         [--wave 50] [--wave-pause-ms 0]
//       one stream, N SignalR connections each subscribed, spread over --processes node processes, with
//       the POST pacer in a process of its own; counts exactly that every event reached every subscriber
//       once and in order; with --pid, the service's CPU seconds from /proc/PID/stat. Each process connects
//       --wave connections at a time, pausing --wave-pause-ms between waves (for 10,000 subscribers on 2 cores);
//       a connection that fails to start is retried up to 3 times (counted as connectRetries).
//   node load.mjs stall   <baseUrl> --pid <server pid> [--events 1000000] [--batch 5000] [--rate events/s]
//       one subscriber that never reads its socket while --events flow through (NDJSON batches, paced
//       to --rate when given); samples the server's RSS.
//   node load.mjs idle    <baseUrl> --pid <server pid> [--connections 2000] [--rate 1000] [--seconds 20] [--pad 100]
//       --connections raw SignalR WebSocket clients that each subscribe from the head and then never read their
//       socket, while events flow at --rate for --seconds; samples the server's RSS (idle, connected, peak, after).
import * as signalR from '@microsoft/signalr';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  const pid = number('pid', NaN);
  const cpuBefore = Number.isFinite(pid) ? cpuSecondsOf(pid) : NaN;
  const seconds = await paced(total, rate, async i => {
    sentAt[i] = performance.now();
    await post(`/api/streams/${stream}/events`, `{"i":${i},"sensor":"s${i % 10}","value":${i % 1000}}`);
  });
  await Promise.race([done, sleep(30_000).then(() => { throw new Error(`only ${received} of ${total} received`); })]);
  const serviceCpuSeconds = Number.isFinite(pid) ? round(cpuSecondsOf(pid) - cpuBefore) : undefined;
  await connection.stop();
  latencies.sort((a, b) => a - b);
  report({
    scenario: 'latency', storage: options.storage ?? 'memory', stream, events: total, measured: latencies.length, targetRate: rate, achievedRate: round(total / seconds, 1),
    p50Ms: round(percentile(latencies, 50)), p90Ms: round(percentile(latencies, 90)), p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1]), serviceCpuSeconds,
  });
}

// Wall-clock milliseconds with sub-millisecond resolution, comparable between this tool's processes.
const nowMs = () => performance.timeOrigin + performance.now();

// CPU seconds (user + system) a process has used so far, from /proc/PID/stat (fields 14 and 15, in clock ticks).
function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Resolves once the message has been handed over, so exiting right after does not lose it.
const sendToParent = message => new Promise((resolve, reject) => process.send(message, error => (error ? reject(error) : resolve())));

const ownCpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// Runs `load.mjs <command> <base> ...args` in its own node process; resolves with the messages it sent.
function child(childCommand, args, onMessage = () => {}) {
  // --cpu-prof-dir DIR profiles each child (node --cpu-prof), to see where the client side spends its time.
  const execArgv = options['cpu-prof-dir'] ? ['--cpu-prof', '--cpu-prof-dir', options['cpu-prof-dir']] : [];
  const proc = fork(fileURLToPath(import.meta.url), [childCommand, base, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const exited = new Promise((resolve, reject) => proc.once('exit', code => (code === 0 ? resolve() : reject(new Error(`${childCommand} exited with ${code}`)))));
  proc.on('message', message => onMessage(message, proc));
  return { proc, exited };
}

// fanout: the coordinator. Subscribers run in --processes node processes and the POST pacer in one more,
// so neither the pacer nor the counting competes with the other inside one event loop.
async function fanout() {
  const subscribers = number('subscribers', 1000);
  const processes = Math.max(1, Math.min(subscribers, number('processes', 2)));
  const rate = number('rate', 100);
  const total = rate * number('seconds', 10);
  const sampleEvery = number('sample-every', 10);
  const pid = number('pid', NaN);
  const stream = await createStream('fanout');

  const results = [];
  let ready = 0;
  let done = 0;
  let allReady;
  let allDone;
  const everyoneReady = new Promise(resolve => { allReady = resolve; });
  const everyoneDone = new Promise(resolve => { allDone = resolve; });
  const workers = [];
  for (let p = 0; p < processes; p++) {
    const first = Math.floor((p * subscribers) / processes);
    const count = Math.floor(((p + 1) * subscribers) / processes) - first;
    workers.push(child('fanout-subscribers', ['--stream', stream, '--first', String(first), '--count', String(count), '--total', String(total), '--sample-every', String(sampleEvery),
      '--wave', String(number('wave', 50)), '--wave-pause-ms', String(number('wave-pause-ms', 0))],
      message => {
        if (message.type === 'ready' && ++ready === processes) allReady();
        if (message.type === 'done' && ++done === processes) allDone();
        if (message.type === 'result') results.push(message);
      }));
  }
  const connectStarted = nowMs();
  await Promise.race([everyoneReady, Promise.all(workers.map(w => w.exited)).then(() => { throw new Error('a subscriber process exited before subscribing'); })]);
  const connectSeconds = round((nowMs() - connectStarted) / 1000);

  const cpuBefore = Number.isFinite(pid) ? cpuSecondsOf(pid) : NaN;
  const firstPostAt = nowMs();
  let pacerResult;
  const pacer = child('fanout-pacer', ['--stream', stream, '--rate', String(rate), '--total', String(total)], message => { pacerResult = message; });
  await pacer.exited;
  const lastPostAt = nowMs();
  await Promise.race([everyoneDone, sleep(60_000)]);
  const cpuAfter = Number.isFinite(pid) ? cpuSecondsOf(pid) : NaN;
  for (const w of workers) w.proc.send({ type: 'stop' });
  await Promise.race([Promise.all(workers.map(w => w.exited)), sleep(30_000)]);
  if (results.length !== processes) throw new Error(`only ${results.length} of ${processes} subscriber processes reported`);

  const delivered = results.reduce((a, r) => a + r.delivered, 0);
  const lastDeliveryAt = Math.max(...results.map(r => r.lastDeliveryAt));
  const latencies = results.flatMap(r => r.latencies).sort((a, b) => a - b);
  const serviceCpu = cpuAfter - cpuBefore;
  report({
    scenario: 'fanout', storage: options.storage ?? 'memory', stream, subscribers, processes, events: total, targetRate: rate, connectSeconds,
    connectRetries: results.reduce((a, r) => a + r.connectRetries, 0), connectionsClosed: results.reduce((a, r) => a + r.closed, 0),
    achievedPostRate: pacerResult.achievedRate, postRoundTripP50Ms: pacerResult.postP50Ms, postRoundTripP99Ms: pacerResult.postP99Ms, postSeconds: round((lastPostAt - firstPostAt) / 1000),
    expectedDeliveries: total * subscribers, delivered, complete: delivered === total * subscribers,
    subscribersIncomplete: results.reduce((a, r) => a + r.incomplete, 0),
    subscribersOutOfOrder: results.reduce((a, r) => a + r.outOfOrder, 0),
    errorCount: results.reduce((a, r) => a + r.errors.length, 0), errors: results.flatMap(r => r.errors).slice(0, 3),
    // Deliveries per second from the first POST to the last delivery: 100,000/s when 1,000 subscribers keep up with 100 events/s.
    deliveryRate: Math.round(delivered / ((lastDeliveryAt - firstPostAt) / 1000)),
    drainSecondsAfterLastPost: round(Math.max(0, lastDeliveryAt - lastPostAt) / 1000),
    sampledSubscribers: results.reduce((a, r) => a + r.sampled, 0),
    latencyP50Ms: round(percentile(latencies, 50)), latencyP90Ms: round(percentile(latencies, 90)),
    latencyP99Ms: round(percentile(latencies, 99)), latencyMaxMs: round(latencies[latencies.length - 1]),
    serviceCpuSeconds: round(serviceCpu), deliveriesPerServiceCpuSecond: Math.round(delivered / serviceCpu),
    subscriberProcessesCpuSeconds: round(results.reduce((a, r) => a + r.cpuSeconds, 0)), pacerCpuSeconds: pacerResult.cpuSeconds,
  });
}

// One of fanout's subscriber processes: --count connections, each subscribed from offset 0, each checking
// that offsets arrive exactly once and in order. Every --sample-every'th subscriber records latencies.
async function fanoutSubscribers() {
  const stream = options.stream;
  const first = number('first', 0);
  const count = number('count', 500);
  const total = number('total', 1000);
  const sampleEvery = number('sample-every', 10);
  const counts = new Int32Array(count);
  let outOfOrder = 0;
  const badSubscribers = new Set();
  const latencies = [];
  const errors = [];
  const connections = [];
  let finished = 0;
  let lastDeliveryAt = 0;
  let stopping = false;
  let connectRetries = 0;
  let closed = 0;
  const wave = Math.max(1, number('wave', 50));
  const wavePause = number('wave-pause-ms', 0);
  for (let s = 0; s < count; s += wave) {
    // Connect in waves so the handshakes do not time out on a 2-core machine.
    if (s > 0 && wavePause > 0) await sleep(wavePause);
    await Promise.all(Array.from({ length: Math.min(wave, count - s) }, async (_, k) => {
      const index = s + k;
      const sampled = (first + index) % sampleEvery === 0;
      let connection;
      for (let attempt = 0; ; attempt++) {
        connection = connect();
        connection.serverTimeoutInMilliseconds = 120_000;
        try {
          await connection.start();
          break;
        } catch (error) {
          if (attempt === 3) throw error;
          connectRetries++;
          await sleep(1000 * (attempt + 1));
        }
      }
      connection.onclose(error => { if (!stopping) { closed++; if (error) errors.push(`closed: ${error}`); } });
      connections.push(connection);
      connection.stream('Subscribe', stream, 0).subscribe({
        next: e => {
          if (e.offset !== counts[index]) { outOfOrder++; badSubscribers.add(index); }
          const n = ++counts[index];
          const at = nowMs();
          lastDeliveryAt = at;
          if (sampled) latencies.push(at - e.data.t);
          if (n === total && ++finished === count) process.send({ type: 'done' });
        },
        error: err => { if (!stopping) errors.push(String(err)); },
        complete: () => {},
      });
    }));
  }
  process.send({ type: 'ready' });
  await new Promise(resolve => process.on('message', m => { if (m.type === 'stop') resolve(); }));
  stopping = true;
  const cpuSeconds = ownCpuSeconds();
  const delivered = counts.reduce((a, b) => a + b, 0);
  await Promise.race([Promise.all(connections.map(c => c.stop())), sleep(20_000)]);
  await sendToParent({
    type: 'result', delivered, incomplete: counts.filter(c => c !== total).length, outOfOrder: badSubscribers.size, outOfOrderEvents: outOfOrder,
    errors: errors.slice(0, 3), lastDeliveryAt, latencies, sampled: Math.ceil(count / sampleEvery), cpuSeconds: round(cpuSeconds), connectRetries, closed,
  });
}

// fanout's POST pacer: --total events, one POST each, at --rate; each carries its send time `t`.
async function fanoutPacer() {
  const stream = options.stream;
  const rate = number('rate', 100);
  const total = number('total', 1000);
  const postMs = new Float64Array(total);
  const seconds = await paced(total, rate, async i => {
    const sentAt = nowMs();
    await post(`/api/streams/${stream}/events`, `{"i":${i},"t":${sentAt}}`);
    postMs[i] = nowMs() - sentAt;
  });
  postMs.sort();
  await sendToParent({
    type: 'pacer', achievedRate: round(total / seconds, 1), cpuSeconds: round(ownCpuSeconds()),
    postP50Ms: round(percentile(postMs, 50)), postP99Ms: round(percentile(postMs, 99)),
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

async function idle() {
  const pid = number('pid', NaN);
  if (!Number.isFinite(pid)) throw new Error('idle needs --pid <server pid> to read its RSS');
  const connections = number('connections', 2000);
  const rate = number('rate', 1000);
  const seconds = number('seconds', 20);
  const padding = 'x'.repeat(number('pad', 100));
  const stream = await createStream('idle');
  const rssIdle = rssOf(pid);
  const cpuBefore = cpuSecondsOf(pid);
  const sockets = [];
  for (let s = 0; s < connections; s += 100) {
    await Promise.all(Array.from({ length: Math.min(100, connections - s) }, async () => {
      const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/hubs/streams`);
      await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
      socket.on('error', () => {});
      socket.send('{"protocol":"json","version":1}\u001e');
      socket.send(`{"type":4,"invocationId":"1","target":"Subscribe","arguments":["${stream}",null]}\u001e`);
      sockets.push(socket);
    }));
  }
  await sleep(1000);
  for (const socket of sockets) socket._socket.pause();
  const rssConnected = rssOf(pid);
  let peak = rssConnected;
  const samples = [];
  const batch = Math.max(1, Math.round(rate / 10));
  const total = rate * seconds;
  const started = performance.now();
  for (let first = 0; first < total; first += batch) {
    let body = '';
    for (let i = 0; i < batch; i++) body += `{"i":${first + i},"pad":"${padding}"}\n`;
    await post(`/api/streams/${stream}/events`, body, 'application/x-ndjson');
    const due = started + ((first + batch) * 1000) / rate;
    if (due - performance.now() > 1) await sleep(due - performance.now());
    const rss = rssOf(pid);
    peak = Math.max(peak, rss);
    if ((first + batch) % rate === 0) samples.push(round(rss, 0));
  }
  const rssAfterFlow = rssOf(pid);
  const cpuSeconds = cpuSecondsOf(pid) - cpuBefore;
  for (const socket of sockets) socket.terminate();
  await sleep(2000);
  report({
    scenario: 'idle', stream, connections, events: total, rate, rssIdleMiB: round(rssIdle, 1), rssConnectedMiB: round(rssConnected, 1),
    rssPeakMiB: round(peak, 1), rssAfterFlowMiB: round(rssAfterFlow, 1), peakAboveIdleMiB: round(peak - rssIdle, 1),
    rssAfterDisconnectMiB: round(rssOf(pid), 1), serviceCpuSeconds: round(cpuSeconds), rssEverySecondMiB: samples,
  });
}

function report(result) {
  console.log(JSON.stringify(result, null, 2));
}

try {
  if (command === 'latency') await latency();
  else if (command === 'fanout') await fanout();
  else if (command === 'fanout-subscribers') await fanoutSubscribers();
  else if (command === 'fanout-pacer') await fanoutPacer();
  else if (command === 'stall') await stall();
  else if (command === 'idle') await idle();
  else throw new Error(`unknown command ${command}`);
  process.exit(0);
} catch (error) {
  console.error(`load ${command}: ${error.stack ?? error}`);
  process.exit(1);
}
