// The console on a platform that requires API keys (MLP_AUTH_REQUIRED=true), in headless Chromium (see browser.mjs):
// the sign-in view, the Access page, a viewer's key and the API's 403.
// Usage: MLP_ADMIN_KEY=<key> node e2e/access.mjs <baseUrl> <screenshotsDir>   (run by ConsoleTest inside `mvn test`)
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarios } from './browser.mjs';

const [baseUrl, shots] = process.argv.slice(2);
const adminKey = process.env.MLP_ADMIN_KEY;
if (!shots || !adminKey) {
  console.error('usage: MLP_ADMIN_KEY=<key> node e2e/access.mjs <baseUrl> <screenshotsDir>');
  process.exit(2);
}
const csv = join(mkdtempSync(join(tmpdir(), 'mlp-access-')), 'visits.csv');
writeFileSync(csv, 'day,visits\n' + Array.from({ length: 30 }, (_, i) => `${i + 1},${(i * 7) % 23}`).join('\n') + '\n');

const options = { baseUrl, shots, failure: 'access-failure', permissions: ['clipboard-read', 'clipboard-write'] };
await runScenarios(options, async ({ page, shot, assertLabelled, nav, go, scenario }) => {
  /** What the API says to {@code path} (GET, or POST with {@code body}) when called with {@code key}, or without one. */
  const apiSays = (path, key, body) => page.evaluate(async ([p, k, b]) => {
    const headers = { 'content-type': 'application/json', ...(k ? { authorization: 'Bearer ' + k } : {}) };
    const response = await fetch(p, b ? { method: 'POST', headers, body: JSON.stringify(b) } : { headers });
    return { status: response.status, message: (await response.json()).error?.message };
  }, [path, key, body]);
  const signIn = async (key) => {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
  };
  const caller = page.locator('.caller');
  let viewerKey;

  await scenario('without a key the console asks for one, with the API\'s own message', async () => {
    await go('#/models');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const said = await apiSays('/api/models?limit=200');
    if (said.status !== 401) throw new Error(`the API answered ${said.status} without a key`);
    const shown = await page.locator('.sign-in .error-message').first().textContent();
    if (shown !== said.message) throw new Error(`the sign-in view said "${shown}", the API "${said.message}"`);
    await caller.getByText('anonymous').waitFor();
    await page.getByText('Live updates off').waitFor();
    if (await page.getByRole('link', { name: 'Access', exact: true }).count()) throw new Error('Access is offered to anonymous');
    await assertLabelled('sign-in view');
    await signIn('mlp_not-a-key');
    await page.getByRole('form', { name: 'Sign in' }).getByText('Refused (401 unauthenticated)').waitFor();
    await shot('20-sign-in');
  });

  await scenario('the admin key signs in: the page comes back, with live updates', async () => {
    await signIn(adminKey);
    await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
    await caller.getByText('admin (admin)').waitFor();
    await page.getByText('Live updates on').waitFor(); // the event bridge took the key from its api_key parameter
    await nav('Datasets');
    await page.getByRole('button', { name: 'Upload dataset' }).click();
    await page.getByLabel('File').setInputFiles(csv);
    await page.getByLabel('Name').fill('visits');
    await page.getByRole('button', { name: 'Upload', exact: true }).click(); // the upload's XHR carries the key
    await page.locator('tr[data-dataset="visits"]').getByRole('link', { name: 'visits' }).click();
    await page.getByRole('link', { name: 'Download' }).waitFor();
  });

  await scenario('the Access page creates a viewer key, shows it once and deletes another', async () => {
    await nav('Access');
    await page.getByRole('heading', { name: 'Access' }).waitFor();
    await page.getByText('No API keys yet').waitFor();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('A name is required.').waitFor(); // checked before anything is sent
    await page.getByText('Pick a role, or name one below.').waitFor();
    await shot('21-access-form');
    await page.getByLabel('Name').fill('reader');
    await page.getByLabel('Description').fill('Reads the catalogue');
    await page.getByRole('checkbox', { name: /^viewer/ }).check();
    await assertLabelled('new key form');
    await page.getByRole('button', { name: 'Create key' }).click();
    const created = page.locator('#created-key-title').locator('..').locator('..');
    await created.getByText('it will not be shown again').waitFor();
    viewerKey = await created.getByLabel('Key', { exact: true }).inputValue();
    if (!viewerKey.startsWith('mlp_')) throw new Error(`the new key reads "${viewerKey}"`);
    await created.getByRole('button', { name: 'Copy' }).click();
    await created.getByText('Copied.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    if (copied !== viewerKey) throw new Error('Copy did not put the key on the clipboard');
    const row = page.locator('tr[data-key="reader"]');
    await row.locator('.tag', { hasText: 'viewer' }).waitFor();
    await row.getByText(viewerKey.slice(0, 10) + '…').waitFor();
    await shot('22-access-new-key');
    await created.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Name').fill('release-bot');
    await page.getByLabel('Other roles').fill('approver, release-manager');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('tr[data-key="release-bot"]').getByText('release-manager').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete key release-bot' }).click();
    await page.locator('tr[data-key="release-bot"]').waitFor({ state: 'detached' });
    await shot('23-access');
  });

  await scenario('signing out asks for a key again; the viewer\'s key shows the viewer', async () => {
    await caller.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await caller.getByText('anonymous').waitFor();
    await signIn(viewerKey);
    await caller.getByText('reader (viewer)').waitFor();
    await page.getByText('Live updates on').waitFor();
    if (await page.getByRole('link', { name: 'Access', exact: true }).count()) throw new Error('Access is offered to a viewer');
    const refusal = page.getByRole('alert').filter({ hasText: 'Refused (403 permission_denied)' });
    await refusal.waitFor(); // the Access page it was on, refused by the API
    const said = await apiSays('/api/keys?limit=1000', viewerKey);
    const shown = await refusal.locator('.error-message').textContent();
    if (shown !== said.message) throw new Error(`the Access page said "${shown}", the API "${said.message}"`);
  });

  await scenario('a viewer reads and downloads, and sees the API\'s 403 on a change', async () => {
    await go('#/datasets/visits');
    const download = await page.getByRole('link', { name: 'Download' }).getAttribute('href');
    if (!download.includes('api_key=')) throw new Error(`the download link ${download} carries no key`);
    const fetched = await page.evaluate(async (href) => (await fetch(href)).status, download);
    if (fetched !== 200) throw new Error(`the download link answered ${fetched}`);
    await nav('Models');
    await page.getByRole('button', { name: 'New model' }).click();
    await page.getByLabel('Name').fill('churn');
    await page.getByRole('button', { name: 'Create model' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Refused (403 permission_denied)' });
    await refusal.waitFor();
    const said = await apiSays('/api/models', viewerKey, { name: 'churn' });
    if (said.status !== 403) throw new Error(`the API answered the viewer ${said.status}`);
    const shown = await refusal.locator('.error-message').textContent();
    if (shown !== said.message) throw new Error(`the console showed "${shown}", the API said "${said.message}"`);
    await shot('24-viewer-refused');
  });

  await scenario('a deleted key is refused at once: the console forgets it and asks for another', async () => {
    const deleted = await page.evaluate(async (key) => (await fetch('/api/keys/reader', {
      method: 'DELETE', headers: { authorization: 'Bearer ' + key } })).status, adminKey);
    if (deleted !== 204) throw new Error(`deleting the viewer's key answered ${deleted}`);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('.sign-in .error-message', { hasText: 'unknown or revoked API key' }).waitFor();
    await caller.getByText('anonymous').waitFor();
    if (await page.evaluate(() => Object.keys(localStorage).length)) throw new Error('the deleted key is still stored');
    await page.setViewportSize({ width: 400, height: 700 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`the sign-in view is ${overflow} px wider than a 400 px window`);
    await shot('25-narrow-sign-in');
  });
});
