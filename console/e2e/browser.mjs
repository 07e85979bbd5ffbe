// What the console's e2e scripts share: headless Chromium (Debian's package, driven by playwright-core; no browser
// download), a log with the seconds since start, screenshots, the label check, and running scenarios to a verdict.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Opens a browser and runs {@code scenarios(tools)}; exits 1 when one fails, leaving {@code failure}.png in {@code shots}. */
export async function runScenarios({ baseUrl, shots, permissions = [], failure = 'failure' }, scenarios) {
  const started = Date.now();
  const log = (message) => console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${message}`);
  const profile = mkdtempSync(join(tmpdir(), 'mlp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  if (permissions.length) {
    await context.grantPermissions(permissions, { origin: baseUrl });
  }
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && !/Failed to load resource/.test(message.text())
    && pageErrors.push('console: ' + message.text()));

  const tools = {
    page,
    context,
    log,
    async shot(name, fullPage = true) {
      await page.waitForTimeout(250);
      await page.screenshot({ path: join(shots, name + '.png'), fullPage });
      log(`screenshot ${name}.png`);
    },
    /** Every visible control has a label a screen reader announces. */
    async assertLabelled(where) {
      const unlabelled = await page.$$eval('input, select, textarea, button', (controls) => controls
        .filter((c) => c.offsetParent !== null && c.type !== 'hidden')
        .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !(c.textContent || '').trim())
        .map((c) => c.outerHTML.slice(0, 120)));
      if (unlabelled.length) {
        throw new Error(`${where}: controls without a label: ${unlabelled.join(' | ')}`);
      }
    },
    /** Follows a link of the main navigation. */
    async nav(name) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
    },
    async go(hash) {
      await page.goto(baseUrl + '/' + hash);
    },
    async scenario(name, run) {
      log(`▶ ${name}`);
      await run();
      log(`✔ ${name}`);
    },
  };

  let failed = false;
  try {
    await scenarios(tools);
    if (pageErrors.length) {
      throw new Error('errors in the page: ' + pageErrors.join(' | '));
    }
    log(`all scenarios passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`✘ ${error.message}`);
    try {
      await page.screenshot({ path: join(shots, failure + '.png'), fullPage: true });
      console.error(`  page at failure: ${page.url()} (screenshot ${failure}.png)`);
    } catch {
      // the browser is gone
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
