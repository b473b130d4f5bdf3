// A person creates a stream in the UI, posts events from the ingest box, follows the stream live
// and sees the rows in the table and the chart; the streams list shows the head offset.
import { runScenario, assert, uniqueName } from './lib.mjs';

await runScenario('streams', async ({ page, base, shot }) => {
  const stream = uniqueName('readings');
  // Every hub WebSocket goes through this route, so the scenario can drop it and hold off reconnects.
  const sockets = [];
  let refuse = false;
  await page.routeWebSocket(/\/hubs\/streams/, ws => {
    if (refuse) return ws.close({ code: 1011, reason: 'refused by the test' });
    ws.connectToServer();
    sockets.push(ws);
  });
  await page.goto(`${base}/`);
  await page.waitForSelector('#create-stream');

  // Create a stream with an event-time field and a schema.
  await page.fill('#create-stream input[name=name]', stream);
  await page.fill('#create-stream input[name=timestampField]', 'at');
  await page.fill('#create-stream input[name=watermarkDelay]', '1s');
  await page.fill('#create-stream textarea[name=schema]', 'sensor: text\nvalue: double\nat: timestamp');
  await page.click('#create-stream button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#create-stream-message').classList.contains('ok'));
  await page.waitForSelector(`#streams-table tr[data-stream="${stream}"]`);

  // A bad event is refused with a message naming where.
  await page.selectOption('#ingest-stream', stream);
  await page.fill('#ingest textarea[name=body]', '{"sensor":"a","value":"not a number","at":"2026-01-01T00:00:00Z"}');
  await page.click('#ingest button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#ingest-message').classList.contains('error'));
  const refusal = await page.textContent('#ingest-message');
  assert(/value/i.test(refusal), `the refusal should name the field, got: ${refusal}`);

  // Follow the stream live, from the head.
  await page.click(`#streams-table tr[data-stream="${stream}"] button:has-text("Follow live")`);
  await page.waitForSelector('#view-live.active');
  await page.waitForFunction(() => /following/.test(document.querySelector('#live-status').textContent));
  await page.waitForFunction(() => document.querySelector('#connection').textContent === 'live');

  // Post events from the ingest box: NDJSON, three sensors over a few seconds of event time.
  await page.click('.tabs button[data-view=streams]');
  const lines = [];
  for (let i = 0; i < 12; i++) {
    lines.push(JSON.stringify({ sensor: `s${i % 3}`, value: 20 + i * 1.5, at: new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString() }));
  }
  await page.fill('#ingest textarea[name=body]', lines.join('\n'));
  await page.click('#ingest button[type=submit]');
  await page.waitForFunction(() => /Appended 12 events at offsets 0–11/.test(document.querySelector('#ingest-message').textContent));
  await page.waitForFunction(name => document.querySelector(`#streams-table tr[data-stream="${name}"] .head`)?.textContent === '12', stream);
  await shot('streams.png');

  // The live view received every row, newest first, and drew the numeric column.
  await page.click('.tabs button[data-view=live]');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length === 12);
  const offsets = await page.$$eval('#results-table tbody tr td:first-child', cells => cells.map(c => Number(c.textContent)));
  assert(JSON.stringify(offsets) === JSON.stringify([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]), `rows by offset: ${offsets}`);
  const headers = await page.$$eval('#results-table thead th', cells => cells.map(c => c.textContent));
  assert(['sensor', 'value', 'at'].every(h => headers.includes(h)), `columns: ${headers}`);
  await page.waitForSelector('#chart .uplot canvas');
  const legend = await page.$$eval('#chart .u-legend .u-label', labels => labels.map(l => l.textContent));
  assert(legend.includes('value'), `the chart plots the numeric column 'value', legend: ${legend}`);
  await shot('live.png');

  // More events arrive live without a reload.
  await page.evaluate(async name => {
    await fetch(`api/streams/${name}/events`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sensor: 's9', value: 99.5, at: '2026-01-01T12:00:30Z' }) });
  }, stream);
  await page.waitForFunction(() => document.querySelector('#results-table tbody tr td:first-child')?.textContent === '12');

  // The connection drops and stays down while events arrive; once it is back the view resumes from
  // the offset after the last row it showed: every event once, none twice.
  refuse = true;
  for (const ws of sockets.splice(0)) await ws.close({ code: 1011, reason: 'dropped by the test' });
  await page.waitForFunction(() => document.querySelector('#connection').textContent !== 'live');
  for (let i = 0; i < 3; i++) {
    const answer = await fetch(`${base}/api/streams/${stream}/events`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sensor: 's1', value: 40 + i, at: `2026-01-01T12:00:3${1 + i}Z` }) });
    assert(answer.ok, `append answered ${answer.status}`);
  }
  await shot('live-reconnecting.png');
  refuse = false;
  await page.waitForFunction(() => document.querySelector('#connection').textContent === 'live', null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('#results-table tbody tr td:first-child')?.textContent === '15');
  const resumed = await page.$$eval('#results-table tbody tr td:first-child', cells => cells.map(c => Number(c.textContent)));
  assert(JSON.stringify(resumed) === JSON.stringify([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    `after the reconnect the rows are ${resumed}`);
});
