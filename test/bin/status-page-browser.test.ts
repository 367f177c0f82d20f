// The status page in a real browser: Debian's chromium, headless, driven by playwright-core
// with a fresh profile, against keepup supervise on 127.0.0.1 (port 0). The page lists the
// services, follows `svc -d` without a reload, refuses a control click without credentials and
// performs it with them. The screenshot goes to a temporary directory, or to the file named by
// KEEPUP_SCREENSHOT (how docs/status-page.png is made).
import test from 'ava';
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {chromium, type BrowserContext, type Page} from 'playwright-core';
import {watchdogSetup} from '../helpers/daemons.js';
import {fetchRaw, startObserved} from '../helpers/http.js';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {upPid} from '../helpers/service-pid.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT} from '../helpers/wait-for.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function browser(t: Parameters<typeof tmpDir>[0]): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tmpDir(t, 'keepup-chromium-'), {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: {width: 1000, height: 760},
    timeout: 60_000,
  });
  t.teardown(() => context.close());
  return context;
}

const stateOf = (page: Page, service: string) => page.locator(`[data-service="${service}"] .state`);

/** Waits until the card of `service` shows `state`, without reloading. */
async function cardState(page: Page, service: string, state: string): Promise<void> {
  await page.waitForFunction(([name, want]) => document.querySelector(`[data-service="${name}"]`)?.getAttribute('data-state') === want, [service, state] as const, {
    timeout: PATIENT.timeoutMs,
  });
}

test('the page shows the services, follows svc -d live, and controls only with credentials', async (t) => {
  const s = watchdogSetup(t);
  const credentials = join(s.dir, 'http-credentials');
  writeFileSync(credentials, 'alice:correct-horse-battery\n');
  chmodSync(credentials, 0o600);
  s.writeConfig(
    [
      'serviceDir: service',
      'http:',
      '  listen: 127.0.0.1:0',
      '  credentials: http-credentials',
      'daemons:',
      '  - name: web',
      '    run: [sh, -c, "echo web listening on :8080; exec sleep 600"]',
      '    log: ./main',
      '  - name: worker',
      '    run: [sleep, "600"]',
      '',
    ].join('\n'),
  );
  const serviceDir = join(s.dir, 'service');
  const k = await startObserved(t, s.config, serviceDir);
  await upPid(join(serviceDir, 'web'));
  const workerPid = await upPid(join(serviceDir, 'worker'));

  const context = await browser(t);
  const page = await context.newPage();
  await page.goto(k.url);
  await cardState(page, 'web', 'up');
  await cardState(page, 'worker', 'up');
  t.deepEqual(await page.locator('.card .name').allTextContents(), ['web', 'worker']);
  t.is(await page.title(), `keepup on ${(JSON.parse((await fetchRaw(`${k.url}page.json`)).body) as {host: string}).host}`);
  // A mark on the window: it survives only if the page is never reloaded.
  await page.evaluate(() => Object.assign(window, {keepupMark: 'same page'}));

  await run(bin('svc'), ['-d', join(serviceDir, 'web')]);
  await cardState(page, 'web', 'down');
  t.is(await stateOf(page, 'web').textContent(), 'down');
  t.is(await page.evaluate(() => (window as unknown as {keepupMark?: string}).keepupMark), 'same page');

  // Without credentials: refused, and worker keeps running.
  await page.locator('[data-service="worker"] button[data-action="down"]').click();
  await page.locator('#message.bad').waitFor({timeout: PATIENT.timeoutMs});
  t.regex((await page.locator('#message').textContent()) ?? '', /^down worker: 401 refused: wrong or missing credentials$/);
  t.is(await upPid(join(serviceDir, 'worker')), workerPid);
  await cardState(page, 'worker', 'up');

  // A wrong password is refused too; the right one works.
  await page.fill('#user', 'alice');
  await page.fill('#password', 'guess');
  await page.click('#signin-button');
  await page.locator('[data-service="worker"] button[data-action="down"]').click();
  await page.locator('#message.bad').waitFor({timeout: PATIENT.timeoutMs});
  t.regex((await page.locator('#message').textContent()) ?? '', /401 refused/);
  await page.fill('#user', 'alice');
  await page.fill('#password', 'correct-horse-battery');
  await page.click('#signin-button');
  await page.locator('[data-service="worker"] button[data-action="down"]').click();
  await page.locator('#message.ok', {hasText: 'down worker: done'}).waitFor({timeout: PATIENT.timeoutMs});
  await cardState(page, 'worker', 'down');
  t.regex((await fetchRaw(`${k.url}status.json`)).body, /"name":"worker","kind":"supervised","normallyUp":true,"state":"down"/);

  // Up again from the page, then the picture: events and the log tail are on it.
  await page.locator('[data-service="web"] button[data-action="up"]').click();
  await cardState(page, 'web', 'up');
  await page.locator('[data-service="worker"] li', {hasText: 'control down by web:alice'}).first().waitFor({timeout: PATIENT.timeoutMs});
  await page.locator('[data-service="web"] summary', {hasText: 'log'}).click();
  await page.locator('[data-service="web"] pre', {hasText: 'web listening on :8080'}).waitFor({timeout: PATIENT.timeoutMs});
  const shot = process.env.KEEPUP_SCREENSHOT ?? join(tmpDir(t, 'keepup-shot-'), 'status-page.png');
  await page.screenshot({path: shot, fullPage: true});
  t.deepEqual([...readFileSync(shot).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('the page is readable on a phone: one column, nothing wider than the screen', async (t) => {
  const s = watchdogSetup(t);
  s.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:0\ndaemons:\n  - name: a-service-with-a-rather-long-name\n    run: [sleep, "600"]\n  - name: b\n    run: [sleep, "600"]\n`);
  const serviceDir = join(s.dir, 'service');
  const k = await startObserved(t, s.config, serviceDir);
  const context = await browser(t);
  const page = await context.newPage();
  await page.setViewportSize({width: 375, height: 700});
  await page.goto(k.url);
  await cardState(page, 'b', 'up');
  t.true(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  const boxes = await page.locator('.card').evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().left));
  t.deepEqual(new Set(boxes).size, 1, 'cards stacked in one column');
  // Without credentials configured, there is nothing to sign in to and no control button.
  t.false(await page.locator('#signin').isVisible());
  t.is(await page.locator('button[data-action]').count(), 0);
});
