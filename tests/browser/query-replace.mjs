// A person follows a query's output live, the query is replaced (over HTTP, then with the list's Edit
// action): the live table and chart clear on the `reset` event and fill with the new query's rows.
import { runScenario, assert, http, uniqueName } from './lib.mjs';

await runScenario('query-replace', async ({ page, base, shot }) => {
  const stream = uniqueName('level');
  const created = await http(base, 'POST', '/api/streams', { name: stream, schema: { n: 'bigint' } });
  assert(created.status === 201, `create answered ${created.status}`);
  const appended = await http(base, 'POST', `/api/streams/${stream}/events`, [0, 1, 2, 3, 4].map(n => ({ n })));
  assert(appended.status === 200, `append answered ${appended.status}`);
  const query = uniqueName('high');
  const registered = await http(base, 'POST', '/api/queries', { name: query, sql: `SELECT n FROM ${stream} WHERE n >= 3` });
  assert(registered.status === 201, `register answered ${registered.status} ${JSON.stringify(registered.json)}`);

  const headers = () => page.$$eval('#results-table thead th', cells => cells.map(c => c.textContent));
  const rows = () => page.$$eval('#results-table tbody tr', trs => trs.map(tr => [...tr.cells].map(c => c.textContent)));

  // Follow the output from the list: the old query's two rows.
  await page.goto(`${base}/#queries`);
  await page.click(`#queries-table tr[data-query="${query}"] button:has-text("Results")`);
  await page.waitForSelector('#view-live.active');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length === 2);
  assert((await headers()).includes('n'), `old column shown: ${await headers()}`);
  await page.waitForSelector('#chart .uplot canvas');

  // Replaced over HTTP: the view clears on reset and shows only the new rows, with the new column.
  const replaced = await http(base, 'PUT', `/api/queries/${query}`, { sql: `SELECT n * 100 AS h FROM ${stream}` });
  assert(replaced.status === 200, `replace answered ${replaced.status} ${JSON.stringify(replaced.json)}`);
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length === 5);
  const afterReset = await headers();
  assert(afterReset.includes('h') && !afterReset.includes('n'), `only the new column after reset: ${afterReset}`);
  const values = (await rows()).map(r => r[r.length - 1]).sort();
  assert(JSON.stringify(values) === JSON.stringify(['0', '100', '200', '300', '400']), `the rebuilt rows: ${values}`);
  await page.waitForFunction(() => /was replaced/.test(document.querySelector('#live-status').textContent));
  const legend = await page.$$eval('#chart .u-legend .u-label', labels => labels.map(l => l.textContent));
  assert(legend.includes('h') && !legend.includes('n'), `the chart starts over with the new column, legend: ${legend}`);
  await shot('query-replaced-live.png');

  // The list's Edit action: a bad text shows its line and column, a good one replaces and follows the new rows.
  await page.click('.tabs button[data-view=queries]');
  await page.click(`#queries-table tr[data-query="${query}"] button:has-text("Edit")`);
  await page.waitForSelector('#replace-query[open]');
  await page.fill('#replace-query textarea', 'SELECT n\nFROM WHERE');
  await page.click('#replace-query button[type=submit]');
  await page.waitForFunction(() => /line 2/.test(document.querySelector('#replace-query .message').textContent));
  await shot('query-replace-error.png');
  await page.fill('#replace-query textarea', `SELECT n + 1 AS plus FROM ${stream} WHERE n < 2`);
  await page.click('#replace-query button[type=submit]');
  await page.waitForSelector('#view-live.active');
  await page.waitForFunction(() => {
    const heads = [...document.querySelectorAll('#results-table thead th')].map(c => c.textContent);
    return heads.includes('plus') && document.querySelectorAll('#results-table tbody tr').length === 2;
  });
  assert(!(await page.$('#replace-query')), 'the dialog is gone');
  const described = await http(base, 'GET', `/api/queries/${query}`);
  assert(described.json.sql === `SELECT n + 1 AS plus FROM ${stream} WHERE n < 2`, `the service runs the new text: ${described.json.sql}`);
  await shot('query-replaced-edit.png');
});
