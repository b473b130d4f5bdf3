// The editor draws whatever position the validate endpoint reports: the gutter marks the line, the
// backdrop marks the character at the column, the message says where; a valid answer clears the
// marks and shows the plan and schema. The endpoint's answers are stubbed here (SPEC §3 shapes) so
// the UI is checked on its own; query-editor.mjs checks the same against the real engine.
import { runScenario, assert } from './lib.mjs';

await runScenario('editor-marks', async ({ page, base, shot }) => {
  let validations = 0;
  await page.route('**/api/queries/validate', async route => {
    validations++;
    const { sql } = JSON.parse(route.request().postData());
    if (sql.includes('valu)')) {
      await route.fulfill({
        status: 400, contentType: 'application/problem+json',
        body: JSON.stringify({ status: 400, title: 'The query is invalid.', detail: "Line 2, column 12: Unknown column 'valu'.", line: 2, column: 12, message: "Unknown column 'valu'." }),
      });
    } else {
      await route.fulfill({
        status: 200, contentType: 'application/json',
        body: JSON.stringify({
          plan: 'Aggregate [sensor] AVG(value) AS mean\n  Scan readings', inputs: ['readings'], isUpdating: true,
          outputSchema: [{ name: 'sensor', type: 'text' }, { name: 'mean', type: 'double' }],
        }),
      });
    }
  });

  await page.goto(`${base}/#queries`);
  await page.waitForSelector('#view-queries.active');
  const editor = '#sql-editor textarea';
  await page.fill(editor, '');
  await page.type(editor, 'SELECT sensor,\n       AVG(valu) AS mean\nFROM readings\nGROUP BY sensor', { delay: 5 });
  await page.waitForFunction(() => document.querySelector('.editor .backdrop .mark')?.dataset.column === '12');
  assert(validations < 20, `validation is debounced while typing, yet ran ${validations} times`);

  const markedLines = await page.$$eval('.editor .gutter div.error', divs => divs.map(d => Number(d.textContent)));
  assert(JSON.stringify(markedLines) === '[2]', `gutter marks ${markedLines}`);
  const mark = await page.$eval('.editor .backdrop .mark', m => ({ text: m.textContent, left: m.getBoundingClientRect().left }));
  assert(mark.text === 'v', `the mark covers '${mark.text}', expected the v of valu`);
  // The mark sits exactly under the textarea's 12th character of line 2 (same font, same padding).
  const expectedLeft = await page.$eval(editor, t => {
    const style = getComputedStyle(t);
    const probe = document.createElement('span');
    probe.style.font = style.font;
    probe.textContent = 'x'.repeat(11);
    document.body.append(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return t.getBoundingClientRect().left + parseFloat(style.paddingLeft) + width;
  });
  assert(Math.abs(mark.left - expectedLeft) < 2, `the mark is at x=${mark.left}, column 12 is at x=${expectedLeft}`);
  assert(!(await page.textContent('#plan')).includes('Scan readings'), 'an invalid query shows no stale plan');
  const message = await page.textContent('#validation');
  assert(message.startsWith('line 2, column 12') && message.includes("Unknown column 'valu'"), `message: ${message}`);
  await shot('editor-error.png');

  await page.fill(editor, 'SELECT sensor,\n       AVG(value) AS mean\nFROM readings\nGROUP BY sensor');
  await page.waitForFunction(() => document.querySelector('#validation').classList.contains('ok'));
  assert(await page.$('.editor .gutter div.error') === null, 'no line stays marked');
  assert((await page.textContent('#plan')).includes('Scan readings'), 'the plan is shown');
  const schema = await page.$$eval('#schema span', spans => spans.map(s => s.textContent));
  assert(JSON.stringify(schema) === JSON.stringify(['sensor text', 'mean double']), `schema: ${schema}`);
  await shot('editor-plan.png');
});
