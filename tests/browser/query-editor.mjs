// The editor validates as the person types and shows an error at its line and column: the gutter
// marks the line, the backdrop marks the column, the message names both; a fixed query shows its plan.
import { runScenario, assert, http, uniqueName } from './lib.mjs';

await runScenario('query-editor', async ({ page, base, shot }) => {
  const stream = uniqueName('sensor');
  const created = await http(base, 'POST', '/api/streams', { name: stream, schema: { sensor: 'text', value: 'double' } });
  assert(created.status === 201, `create answered ${created.status}`);

  await page.goto(`${base}/#queries`);
  await page.waitForSelector('#view-queries.active');
  const editor = '#sql-editor textarea';

  // An unknown column on line 2: `valu` starts at column 12.
  const bad = `SELECT sensor,\n       AVG(valu) AS mean\nFROM ${stream}\nGROUP BY sensor`;
  await page.fill(editor, '');
  await page.type(editor, bad, { delay: 2 });
  await page.waitForFunction(() => document.querySelector('#validation').classList.contains('error'));
  const server = await http(base, 'POST', '/api/queries/validate', { sql: bad });
  assert(server.status === 400, `validate answered ${server.status}`);
  assert(server.json.line === 2 && server.json.column === 12, `the server should point at valu (2:12), said ${server.json.line}:${server.json.column}`);
  // Validation runs as the person types; wait for the answer to the whole text.
  await page.waitForFunction(() => {
    const mark = document.querySelector('.editor .backdrop .mark');
    return mark?.dataset.line === '2' && mark?.dataset.column === '12';
  });
  const markedLine = await page.$eval('.editor .gutter div.error', d => Number(d.textContent));
  const mark = await page.$eval('.editor .backdrop .mark', m => m.textContent);
  assert(markedLine === 2, `gutter marks line ${markedLine}`);
  assert(mark === 'v', `the mark covers '${mark}', expected the v of valu`);
  const message = await page.textContent('#validation');
  assert(message.includes('line 2, column 12') && message.includes('valu'), `message: ${message}`);
  await shot('query-error.png');

  // A syntax error on line 1.
  await page.fill(editor, `SELEC sensor FROM ${stream}`);
  await page.waitForFunction(() => /line 1, column 1/.test(document.querySelector('#validation').textContent));

  // Fixed: no marks, the plan and output schema appear.
  await page.fill(editor, `SELECT sensor,\n       value * 2 AS doubled\nFROM ${stream}\nWHERE value > 1`);
  await page.waitForFunction(() => document.querySelector('#validation').classList.contains('ok'));
  assert(await page.$('.editor .gutter div.error') === null, 'no line stays marked');
  const plan = await page.textContent('#plan');
  assert(plan.trim().length > 0 && !/Type a query/.test(plan), `plan: ${plan}`);
  const schema = await page.$$eval('#schema span', spans => spans.map(s => s.firstChild.textContent));
  assert(schema.includes('sensor') && schema.includes('doubled'), `schema: ${schema}`);
  await shot('query-plan.png');
});
