/**
 * Opens the HTML report of the seed finding (`seed-2019` under `legacy-2019`) in a real
 * browser (Debian's chromium, driven by playwright-core), checks that the timeline and the
 * finding are drawn and that the page makes no request, and saves a screenshot of its top
 * to `docs/report-screenshot.png`. Skips visibly (a skipped test in the runner's count, saying why) only when no chromium is installed.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { check } from '../../src/check/check.ts';
import { findScenario } from '../../src/scenarios/index.ts';
import { renderHtmlReport } from '../../src/trace/report.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT = join(ROOT, 'docs', 'report-screenshot.png');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const absent = existsSync(CHROMIUM)
  ? false
  : `chromium not installed at ${CHROMIUM} (apt-get install -y chromium)`;

// The skip is on the test, not the suite: node:test counts skipped tests, not skipped suites.
describe('HTML report in chromium', () => {
  let dir = '';
  let context: BrowserContext;

  before(async () => {
    if (absent) return;
    dir = await mkdtemp(join(tmpdir(), 'mmu-report-'));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
  });

  after(async () => {
    await context?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('draws the timeline and the finding, makes no request, and is screenshotted', {
    skip: absent,
  }, async () => {
    const entry = findScenario('seed-2019');
    assert.ok(entry);
    const result = await check(entry.scenario, { ...entry.defaults, semantics: 'legacy-2019' });
    assert.ok(result.finding, 'seed-2019 under legacy-2019 must be a finding');
    const file = join(dir, 'report.html');
    const description = entry.scenario.description;
    await writeFile(
      file,
      renderHtmlReport(result, description === undefined ? {} : { description }),
    );
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    const svg = page.locator('svg.timeline');
    const box = await svg.boundingBox();
    assert.ok(box !== null && box.width > 300 && box.height > 100, JSON.stringify(box));
    assert.ok((await page.locator('svg.timeline g.lane').count()) >= 2);
    assert.ok((await page.locator('svg.timeline g.span.notifier').count()) >= 1);
    const finding = page.locator('svg.timeline g.finding');
    assert.ok(await finding.isVisible());
    assert.ok(((await finding.textContent()) ?? '').includes(result.finding.message.slice(0, 60)));
    assert.ok(await page.locator('#finding-message').isVisible());
    assert.ok(await page.locator('svg.timeline path.flow').isVisible());
    assert.deepEqual(requests, []);
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.locator('section.overview').screenshot({ path: SCREENSHOT });
    assert.ok(existsSync(SCREENSHOT));
  });
});
