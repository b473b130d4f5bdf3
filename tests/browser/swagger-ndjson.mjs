// Swagger UI's "Try it out" on the append operation, as a new user would: the NDJSON example shows as raw lines
// (one JSON object per line, not a JSON-quoted string), is sent exactly as shown and is appended, and the
// examples' event times are of the moment the page was loaded.
import { runScenario, assert, http, uniqueName } from './lib.mjs';

await runScenario('swagger-ndjson', async ({ page, base, shot }) => {
  const stream = uniqueName('bid');
  const created = await http(base, 'POST', '/api/streams', {
    name: stream, timestampField: 'date_time', watermarkDelay: '2s',
    schema: { auction: 'bigint', bidder: 'bigint', price: 'bigint', channel: 'text', url: 'text', date_time: 'timestamp', extra: 'text' },
  });
  assert(created.status === 201, `create answered ${created.status}`);

  const operation = '#operations-Streams-AppendEvents';
  // Swagger UI is a heavy page; on a busy machine its first render takes a while.
  page.setDefaultTimeout(60_000);
  await page.goto(`${base}/swagger`);
  await page.click(`${operation} .opblock-summary`);
  await page.click(`${operation} .try-out__btn`);
  await page.fill(`${operation} input[placeholder=name]`, stream);
  await page.selectOption(`${operation} select.content-type`, 'application/x-ndjson');
  const box = page.locator(`${operation} .body-param textarea`);
  await page.waitForFunction(selector => document.querySelector(selector)?.value.includes('auction'), `${operation} .body-param textarea`);
  const shown = await box.inputValue();
  const shownLines = shown.split('\n').filter(Boolean);
  assert(shownLines.length === 2 && shownLines.every(line => typeof JSON.parse(line) === 'object'),
    `the example box shows raw NDJSON lines, got: ${shown}`);
  const answered = page.waitForResponse(response => response.url().includes(`/api/streams/${stream}/events`) && response.request().method() === 'POST');
  await page.click(`${operation} .execute`);
  const response = await answered;
  const body = response.request().postData();
  const lines = body.split('\n').filter(Boolean);
  assert(lines.length === 2 && lines.every(line => line.startsWith('{')), `the body is raw NDJSON, got: ${body}`);
  assert(body === shown, `the body sent is the text shown:\n${body}\n---\n${shown}`);
  assert(response.status() === 200, `the append answered ${response.status()}: ${await response.text()}`);
  await page.waitForSelector(`${operation} .live-responses-table tbody .response-col_status`);
  await shot('swagger-append.png');

  const read = await http(base, 'GET', `/api/streams/${stream}/events?from=0`);
  assert(read.json.events.length === 2, `two events appended, got ${read.json.events.length}`);
  const age = Date.now() - Date.parse(read.json.events[0].timestamp);
  assert(Math.abs(age) < 5 * 60_000, `the example's event time is recent, it is ${age} ms old`);
});
