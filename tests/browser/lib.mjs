// Shared helpers for the browser scenarios: Debian's Chromium through playwright-core, a fresh
// profile per run, screenshots for review, and small HTTP helpers against the service under test.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const screenshots = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

export function baseUrlFromArgs() {
  const base = process.argv[2];
  if (!base) {
    console.error(`usage: node ${process.argv[1]} <baseUrl>`);
    process.exit(2);
  }
  return base.replace(/\/$/, '');
}

/** Runs `scenario({ page, base, shot })` in a fresh Chromium; exits non-zero on failure. */
export async function runScenario(name, scenario) {
  const base = baseUrlFromArgs();
  const profile = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
  mkdirSync(screenshots, { recursive: true });
  // A fresh profile each run: nothing cached or remembered between runs.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const watchdog = setTimeout(() => { console.error(`${name}: timed out`); process.exit(3); }, 120_000);
  const pageErrors = [];
  let page;
  try {
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', error => pageErrors.push(error.message));
    page.on('console', message => { if (message.type() === 'error') console.log(`[browser] ${message.text()}`); });
    const shot = async file => {
      await page.screenshot({ path: join(screenshots, file), fullPage: true });
      console.log(`screenshot: tests/browser/screenshots/${file}`);
    };
    await scenario({ page, base, shot });
    if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`);
    console.log(`${name}: passed`);
  } catch (error) {
    console.error(`${name}: FAILED: ${error.stack ?? error}`);
    if (page) await page.screenshot({ path: join(screenshots, `${name}-failure.png`), fullPage: true }).catch(() => {});
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function http(base, method, path, body, contentType = 'application/json') {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function uniqueName(prefix) {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
