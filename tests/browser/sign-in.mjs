// A person opens the UI of a service that needs a credential: the sign-in dialog asks for a key, a wrong key is
// refused, a read-only key sees the streams but no Delete button and no create or ingest form, and an admin key
// sees them. The keys are configured by SecuredServiceProcess (tests/Sluice.Browser.Tests/SignInScenarios.cs).
import { runScenario, assert, uniqueName } from './lib.mjs';

const adminKey = 'browser-admin-secret-0123456789';
const viewerKey = 'browser-viewer-secret-0123456789';

async function signIn(page, key) {
  await page.waitForSelector('#sign-in[open]');
  await page.fill('#sign-in-form input[name=token]', key);
  await page.click('#sign-in-form button[type=submit]');
}

await runScenario('sign-in', async ({ page, base, shot }) => {
  const stream = uniqueName('guarded');
  const created = await fetch(`${base}/api/streams`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ name: stream }),
  });
  assert(created.status === 201, `creating the stream with the admin key answered ${created.status}`);

  // Without a credential every API call is refused, and the page asks for one.
  await page.goto(`${base}/`);
  await signIn(page, 'not-a-key');
  await page.waitForFunction(() => /refused/.test(document.querySelector('#sign-in-message').textContent));

  // A read-only key: the stream is listed, but nothing that key may not do is offered.
  await page.fill('#sign-in-form input[name=token]', viewerKey);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector(`#streams-table tr[data-stream="${stream}"]`);
  await page.waitForFunction(() => /viewer/.test(document.querySelector('#who').textContent));
  const viewerDelete = await page.$eval(`#streams-table tr[data-stream="${stream}"] button.danger`, b => b.hidden);
  assert(viewerDelete, 'Delete should be hidden from a key with read:* only');
  assert(await page.$eval(`#streams-table tr[data-stream="${stream}"] button:not(.danger)`, b => !b.hidden), 'Follow live should stay');
  assert(await page.$eval('#create-stream', f => f.hidden), 'the create form should be hidden from a key without manage');
  assert(await page.$eval('#ingest', f => f.hidden), 'the ingest form should be hidden from a key without write');
  await shot('sign-in-viewer.png');

  // Switching to the admin key shows them again.
  await page.click('#who');
  await signIn(page, adminKey);
  await page.waitForFunction(() => /ops/.test(document.querySelector('#who').textContent));
  await page.waitForFunction(name => {
    const button = document.querySelector(`#streams-table tr[data-stream="${name}"] button.danger`);
    return button && !button.hidden;
  }, stream);
  assert(await page.$eval('#create-stream', f => !f.hidden), 'the create form should show for an admin key');
  await shot('sign-in-admin.png');
});
