// What the README promises of the UI, each checked as a user sees it: the Queries tab's example opens without a red
// error and its hint clears once the stream exists; "Follow live" shows the rows that already exist; the chart
// plots a measure (never the key id), one line per key, with a chooser and a table alternative; a query's page
// shows its SQL, plan and inputs and previews it; query outputs are marked; rates come from the server; the hash
// switches tabs; a failed refresh shows that the server is unreachable.
import { runScenario, assert, http, uniqueName } from './lib.mjs';

await runScenario('ui-behaviour', async ({ page, base, shot }) => {
  // The built-in example reads 'readings'. Without that stream it is a hint, not an error; with it, it validates.
  const hasReadings = (await http(base, 'GET', '/api/streams/readings')).status === 200;
  await page.goto(`${base}/#queries`);
  await page.waitForSelector('#tab-queries[aria-selected=true]');
  if (!hasReadings) {
    await page.waitForFunction(() => document.querySelector('#validation').classList.contains('hint'));
    assert(await page.$('.editor .gutter div.error') === null, 'the example marks no error in the editor');
    await shot('queries-example-hint.png');
    assert((await http(base, 'POST', '/api/streams', { name: 'readings', schema: { sensor: 'text', value: 'double' } })).status === 201, 'create readings');
  }
  await page.waitForFunction(() => document.querySelector('#validation').classList.contains('ok'), null, { timeout: 10_000 });

  // A stream with events already in it, and an updating query over it keyed by an id column.
  const stream = uniqueName('bids');
  assert((await http(base, 'POST', '/api/streams', {
    name: stream, timestampField: 'at', schema: { auction: 'bigint', price: 'double', at: 'timestamp' },
  })).status === 201, 'create');
  const at = s => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
  const events = Array.from({ length: 40 }, (_, i) => ({ auction: 1000 + (i % 8), price: 10 + i, at: at(i) }));
  assert((await http(base, 'POST', `/api/streams/${stream}/events`, events)).status === 200, 'append');
  const query = uniqueName('per_auction');
  assert((await http(base, 'POST', '/api/queries', {
    name: query, sql: `SELECT auction, COUNT(*) AS n, MAX(price) AS top\nFROM ${stream}\nGROUP BY auction`,
  })).status === 201, 'register');

  // The URL hash switches tabs.
  await page.goto(`${base}/#streams`);
  await page.evaluate(() => { location.hash = '#live'; });
  await page.waitForSelector('#tab-live[aria-selected=true]');
  assert(await page.$eval('#tab-streams', t => t.getAttribute('aria-selected')) === 'false', 'only one tab is selected');
  await page.evaluate(() => { location.hash = '#streams'; });
  await page.waitForSelector('#view-streams.active');

  // Query outputs are marked; the events/s figure is the server's (it appears once the server sampled twice).
  await page.waitForSelector(`#streams-table tr[data-stream="${query}"] .output-of:not(:empty)`);
  assert(await page.$eval(`#streams-table tr[data-stream="${stream}"] .output-of`, e => e.textContent) === '', 'a plain stream is not marked');
  await page.waitForFunction(name => document.querySelector(`#streams-table tr[data-stream="${name}"] .rate`).textContent !== '–', stream, { timeout: 10_000 });
  const served = (await http(base, 'GET', `/api/streams/${stream}`)).json;
  assert(typeof served.eventsPerSecond === 'number', `the API gives eventsPerSecond: ${JSON.stringify(served)}`);

  // "Follow live" starts from the first retained offset: the 40 rows that exist show at once.
  await page.click(`#streams-table tr[data-stream="${stream}"] button.follow`);
  await page.waitForSelector('#view-live.active');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length === 40);

  // The query's output: the chart plots n (not the auction id), one line per auction, the six largest, and says so.
  await page.selectOption('#live-stream', query);
  await page.waitForFunction(() => /changelog applied/.test(document.querySelector('#results-title').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#chart-summary tbody tr').length === 6);
  assert(await page.$eval('#chart-value', s => s.value) === 'n', 'the chart plots n by default');
  assert(await page.$eval('#chart-key', s => s.value) === 'auction', 'one line per auction by default');
  const legend = await page.$$eval('#chart .u-legend .u-label', labels => labels.map(l => l.textContent));
  assert(legend.length === 7 && legend.slice(1).every(l => /^10\d\d · n$/.test(l)), `legend: ${legend}`);
  const description = await page.$eval('#chart', c => c.getAttribute('aria-label'));
  assert(/n by auction/.test(description) && /6 largest of 8 keys/.test(description), `the chart's text alternative: ${description}`);
  await page.selectOption('#chart-value', 'top');
  await page.waitForFunction(() => [...document.querySelectorAll('#chart .u-legend .u-label')].some(l => / · top$/.test(l.textContent)));
  await page.selectOption('#chart-key', '');
  await page.waitForFunction(() => document.querySelectorAll('#chart-summary tbody tr').length === 1);
  await shot('live-chart-choices.png');

  // A windowed count, as in the README's tour: one line per auction (the window bounds are not part of the key).
  const windowed = uniqueName('bids_per_auction');
  assert((await http(base, 'POST', '/api/queries', {
    name: windowed, sql: `SELECT auction, COUNT(*) AS bids, window_start, window_end FROM TUMBLE(${stream}, at, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end`,
  })).status === 201, 'register the windowed query');
  await page.goto(`${base}/#streams`);
  await page.waitForSelector(`#streams-table tr[data-stream="${windowed}"]`);
  await page.click(`#streams-table tr[data-stream="${windowed}"] button.follow`);
  await page.waitForFunction(() => document.querySelectorAll('#chart-summary tbody tr').length === 6);
  assert(await page.$eval('#chart-value', s => s.value) === 'bids', 'the windowed chart plots bids');
  assert(await page.$eval('#chart-key', s => s.value) === 'auction', 'one line per auction, not per window');

  // The query's page: SQL, plan, inputs, metrics, and a preview of the query on the last events of its input.
  await page.goto(`${base}/#queries/${query}`);
  await page.waitForSelector('#query-page:not([hidden]) pre.sql');
  assert((await page.textContent('#query-page pre.sql')).includes('GROUP BY auction'), 'the page shows the SQL');
  assert((await page.textContent('#query-page table.inputs tbody')).includes(stream), 'the page lists the input');
  await page.waitForFunction(() => document.querySelector('[data-figure=eventsIn]').textContent === '40');
  await page.waitForFunction(() => document.querySelector('#preview-events').value.includes('auction'));
  await page.click('#query-page .preview button.primary');
  await page.waitForFunction(() => /rows? from 5 events/.test(document.querySelector('#query-page .preview .message').textContent));
  assert(await page.$$eval('#query-page .preview-rows tbody tr', rows => rows.length) > 0, 'the preview shows rows');
  await shot('query-page.png');

  // The server stops answering: a banner says so, and goes once it answers again.
  await page.route('**/api/**', route => route.abort('connectionrefused'));
  await page.waitForSelector('#server-status:not([hidden])');
  assert(/unreachable/.test(await page.textContent('#server-status')), 'the banner says the server is unreachable');
  await shot('server-unreachable.png');
  await page.unroute('**/api/**');
  await page.waitForSelector('#server-status[hidden]', { state: 'attached' });
});
