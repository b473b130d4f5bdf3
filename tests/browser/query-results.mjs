// A person registers queries from the editor, posts events, and watches results arrive live: an
// append-only query's rows and chart, an updating query's current result with its changelog applied,
// and each query's metrics in the list.
import { runScenario, assert, http, uniqueName } from './lib.mjs';

await runScenario('query-results', async ({ page, base, shot }) => {
  const stream = uniqueName('sensor');
  const created = await http(base, 'POST', '/api/streams', {
    name: stream, timestampField: 'at', schema: { sensor: 'text', value: 'double', at: 'timestamp' },
  });
  assert(created.status === 201, `create answered ${created.status}`);
  const post = async events => {
    const answer = await http(base, 'POST', `/api/streams/${stream}/events`, events);
    assert(answer.status === 200, `append answered ${answer.status} ${JSON.stringify(answer.json)}`);
  };
  const at = s => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();

  // An append-only query, registered from the editor; the UI switches to its live results.
  const hot = uniqueName('hot');
  await page.goto(`${base}/#queries`);
  await page.fill('#query-form input[name=name]', hot);
  await page.fill('#sql-editor textarea', `SELECT sensor, value * 2 AS doubled, at\nFROM ${stream}\nWHERE value > 10`);
  await page.waitForFunction(() => document.querySelector('#validation').classList.contains('ok'));
  await page.click('#query-form button[type=submit]');
  await page.waitForSelector('#view-live.active');
  await page.waitForFunction(() => /following/.test(document.querySelector('#live-status').textContent));

  await post(Array.from({ length: 10 }, (_, i) => ({ sensor: `s${i % 2}`, value: 5 + i * 2, at: at(i) })));
  // value > 10 keeps i = 3..9: seven rows.
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length === 7);
  await page.waitForSelector('#chart .uplot canvas');
  const legend = await page.$$eval('#chart .u-legend .u-label', labels => labels.map(l => l.textContent));
  assert(legend.includes('doubled'), `the chart plots 'doubled', legend: ${legend}`);
  await shot('query-live.png');

  // An updating query: the view applies + and - so it holds one row per sensor.
  const counts = uniqueName('counts');
  await page.click('.tabs button[data-view=queries]');
  await page.fill('#query-form input[name=name]', counts);
  await page.fill('#sql-editor textarea', `SELECT sensor, COUNT(*) AS n, MAX(value) AS peak\nFROM ${stream}\nGROUP BY sensor`);
  await page.waitForFunction(() => document.querySelector('#validation').classList.contains('ok'));
  await page.click('#query-form button[type=submit]');
  await page.waitForSelector('#view-live.active');
  await page.waitForFunction(() => /changelog applied/.test(document.querySelector('#results-title').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length === 2);
  await post([{ sensor: 's0', value: 100, at: at(20) }, { sensor: 's2', value: 1, at: at(21) }]);
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#results-table tbody tr')].map(r => [...r.cells].map(c => c.textContent));
    return rows.length === 3 && rows.some(r => r.includes('s0') && r.includes('6') && r.includes('100'));
  });
  const lines = await page.$$eval('#chart .u-legend .u-label', labels => labels.map(l => l.textContent));
  assert(['s0 · n', 's1 · n', 's2 · n'].every(l => lines.includes(l)), `one chart line per group, legend: ${lines}`);
  await shot('query-changelog.png');

  // The list shows both queries running, with their counters.
  await page.click('.tabs button[data-view=queries]');
  await page.waitForSelector(`#queries-table tr[data-query="${counts}"] .badge.running`);
  await page.waitForFunction(name => {
    const cells = document.querySelector(`#queries-table tr[data-query="${name}"]`)?.cells;
    return cells && cells[3].textContent === "12";
  }, counts);
  await shot('queries.png');

  // Stop and start from the list.
  await page.click(`#queries-table tr[data-query="${hot}"] button:has-text("Stop")`);
  await page.waitForSelector(`#queries-table tr[data-query="${hot}"] .badge.stopped`);
  await page.click(`#queries-table tr[data-query="${hot}"] button:has-text("Start")`);
  await page.waitForSelector(`#queries-table tr[data-query="${hot}"] .badge.running`);
});
