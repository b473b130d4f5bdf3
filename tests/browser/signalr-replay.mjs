// The official @microsoft/signalr client subscribes with replay from offset 0 while events are
// appended, and must see every offset exactly once, in order; then from the head (null).
import * as signalR from '@microsoft/signalr';
import { baseUrlFromArgs, http, assert, uniqueName } from './lib.mjs';

const base = baseUrlFromArgs();
const stream = uniqueName('replay');
const total = 5_000;
const watchdog = setTimeout(() => { console.error('signalr-replay: timed out'); process.exit(3); }, 60_000);

async function append(from, count) {
  const body = Array.from({ length: count }, (_, i) => ({ n: from + i }));
  const { status, json } = await http(base, 'POST', `/api/streams/${stream}/events`, body);
  assert(status === 200 && json.count === count, `append answered ${status} ${JSON.stringify(json)}`);
}

const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${base}/hubs/streams`)
  .configureLogging(signalR.LogLevel.Warning)
  .build();
try {
  const created = await http(base, 'POST', '/api/streams', { name: stream });
  assert(created.status === 201, `create answered ${created.status}`);
  await append(0, 1_000); // history to replay
  await connection.start();

  const seen = [];
  const done = new Promise((resolve, reject) => {
    connection.stream('Subscribe', stream, 0).subscribe({
      next: e => {
        if (e.data.n !== e.offset) reject(new Error(`event ${e.offset} carries n=${e.data.n}`));
        seen.push(e.offset);
        if (seen.length === total) resolve();
      },
      error: reject,
      complete: () => reject(new Error('the stream completed early')),
    });
  });
  for (let from = 1_000; from < total; from += 500) await append(from, 500); // while replay runs
  await done;
  assert(seen.slice(0, total).every((offset, i) => offset === i), 'offsets must be 0..N-1 with no gap and no duplicate');

  // null starts at the head: only events appended afterwards.
  const fromHead = new Promise((resolve, reject) => {
    connection.stream('Subscribe', stream, null).subscribe({ next: resolve, error: reject, complete: () => {} });
  });
  // The subscription is live once the server has taken the head; poll-append until one arrives.
  let next = total;
  const first = await Promise.race([fromHead, (async () => {
    for (;;) {
      await append(next++, 1);
      const winner = await Promise.race([fromHead, new Promise(r => setTimeout(() => r(null), 100))]);
      if (winner) return winner;
    }
  })()]);
  assert(first.offset >= total, `a head subscription must not replay history, got offset ${first.offset}`);

  // An unknown stream is an error to this caller only.
  const unknown = await new Promise(resolve => connection.stream('Subscribe', 'no_such_stream', 0)
    .subscribe({ next: () => {}, error: resolve, complete: () => resolve(null) }));
  assert(/no stream named 'no_such_stream'/.test(unknown?.message), `unknown stream error: ${unknown?.message}`);
  assert(connection.state === signalR.HubConnectionState.Connected, 'the connection survives');
  console.log(`signalr-replay: passed (${total} events replayed and live, in order)`);
} catch (error) {
  console.error(`signalr-replay: FAILED: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await connection.stop();
}
