// Accessibility, checked by axe-core (the real checker, not a hand-written one) on every tab and on a query's page
// with data in the tables: no serious or critical violation of WCAG 2.1 A/AA (names, roles, contrast ≥ 4.5:1).
// Then a keyboard-only path through the Queries tab to a row's Stop and Delete buttons (past the SQL editor, which
// Esc releases), with the focus kept while the table refreshes; and the page at 390 px wide.
import { createRequire } from 'node:module';
import { runScenario, assert, http, uniqueName } from './lib.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

async function checkAxe(page, where) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => globalThis.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  const serious = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  const report = serious.map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
  assert(serious.length === 0, `${where}: ${serious.length} serious axe violations:\n${report.join('\n')}`);
  console.log(`${where}: axe found no serious violations (${result.passes.length} rules passed)`);
}

await runScenario('accessibility', async ({ page, base, shot }) => {
  page.on('dialog', dialog => dialog.accept());
  const stream = uniqueName('bids');
  assert((await http(base, 'POST', '/api/streams', {
    name: stream, timestampField: 'at', schema: { auction: 'bigint', price: 'double', at: 'timestamp' },
  })).status === 201, 'create');
  const events = Array.from({ length: 20 }, (_, i) => ({ auction: i % 4, price: 10 + i, at: new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString() }));
  assert((await http(base, 'POST', `/api/streams/${stream}/events`, events)).status === 200, 'append');
  const query = uniqueName('per_auction');
  assert((await http(base, 'POST', '/api/queries', { name: query, sql: `SELECT auction, COUNT(*) AS n, MAX(price) AS top FROM ${stream} GROUP BY auction` })).status === 201, 'register');

  await page.goto(`${base}/#streams`);
  await page.waitForSelector(`#streams-table tr[data-stream="${stream}"]`);
  await checkAxe(page, 'Streams tab');

  await page.click('#tab-queries');
  await page.waitForSelector(`#queries-table tr[data-query="${query}"] .badge.running`);
  await checkAxe(page, 'Queries tab');

  await page.click(`#queries-table tr[data-query="${query}"] button.open`);
  await page.waitForSelector('#query-page:not([hidden]) table.inputs tbody tr');
  await checkAxe(page, 'query page');

  await page.click(`#queries-table tr[data-query="${query}"] button.results`);
  await page.waitForSelector('#view-live.active');
  await page.waitForSelector('#chart .uplot canvas');
  await page.click('.chart-table summary');
  await checkAxe(page, 'Live tab');
  await shot('accessibility-live.png');

  // Keyboard only: from the Queries tab, Tab until the row's Stop button has the focus. The SQL editor is on the
  // way: there Tab indents, so Esc first lets Tab move on.
  await page.goto(`${base}/#queries`);
  await page.waitForSelector(`#queries-table tr[data-query="${query}"] .badge.running`);
  await page.focus('#tab-queries');
  const focused = () => page.evaluate(() => ({ label: document.activeElement?.getAttribute('aria-label') ?? '', tag: document.activeElement?.tagName, name: document.activeElement?.name }));
  let escaped = false;
  for (let presses = 0; presses < 120; presses++) {
    const now = await focused();
    if (now.label === `Stop query ${query}`) break;
    if (now.tag === 'TEXTAREA' && now.name === 'sql') {
      await page.keyboard.press('Escape');
      escaped = true;
    }
    await page.keyboard.press('Tab');
  }
  assert((await focused()).label === `Stop query ${query}`, `Tab never reached 'Stop query ${query}'; focus is on ${JSON.stringify(await focused())}`);
  assert(escaped, 'the path went through the SQL editor and left it with Esc');

  // The list refreshes every second; the focus must stay on the button (rows are updated in place).
  const before = await page.textContent(`#queries-table tr[data-query="${query}"] .eventsIn`);
  await http(base, 'POST', `/api/streams/${stream}/events`, [{ auction: 9, price: 1, at: '2026-01-01T12:01:00Z' }]);
  await page.waitForFunction(([name, old]) => document.querySelector(`#queries-table tr[data-query="${name}"] .eventsIn`).textContent !== old, [query, before]);
  assert((await focused()).label === `Stop query ${query}`, `a refresh moved the focus to ${JSON.stringify(await focused())}`);

  await page.keyboard.press('Enter');
  await page.waitForSelector(`#queries-table tr[data-query="${query}"] .badge.stopped`);
  assert((await focused()).label === `Start query ${query}`, `after Stop the focus is on ${JSON.stringify(await focused())}`);
  await page.keyboard.press('Tab');
  assert((await focused()).label === `Delete query ${query}`, `next is ${JSON.stringify(await focused())}`);
  await page.keyboard.press('Enter'); // the confirm dialog is accepted
  await page.waitForFunction(name => !document.querySelector(`#queries-table tr[data-query="${name}"]`), query);

  // A phone-sized window: nothing wider than the screen, the tabs and the API link inside it.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const view of ['streams', 'queries', 'live']) {
    await page.click(`#tab-${view}`);
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const outside = [...document.querySelectorAll('header *, main h2, main label, main button')]
        .filter(e => e.offsetParent && !e.closest('.table-wrap'))
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -1 || r.right > width + 1); })
        .map(e => e.id || e.textContent.trim().slice(0, 30));
      return { scroll: document.documentElement.scrollWidth, width, outside };
    });
    assert(overflow.scroll <= overflow.width && overflow.outside.length === 0, `${view} at 390 px: ${JSON.stringify(overflow)}`);
  }
  await page.click('#tab-streams');
  await shot('streams-390.png');
});
