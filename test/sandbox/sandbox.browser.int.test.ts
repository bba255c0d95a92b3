import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startService, type Service } from '../../src/service.ts';
import { startSandbox, type Sandbox } from '../../sandbox/start.ts';
import { engineRestUrl } from '../support/engine.ts';

/**
 * The whole sandbox as a newcomer meets it, in a real Chromium: the real service on the real
 * engine, the stand-ins and a real MLflow behind the page. A ticket created on the page gets
 * its repository, is moved to Ready for training from its card, trains, builds and is tested,
 * and the page shows each comment and Slack message as it comes.
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = 'test-results/sandbox';
const skip = !existsSync(CHROMIUM) && process.env.CI !== 'true';

describe.skipIf(skip)('the sandbox, end to end in Chromium', () => {
  let sandbox: Sandbox;
  let service: Service;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    sandbox = await startSandbox({ log, setUpMlflow: false });
    await sandbox.world.mlflowReady;
    const loaded = loadConfig({ env: { ...sandbox.env, LOG_LEVEL: 'silent' }, cwd: process.cwd() });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    let url = '';
    const router = sandbox.page({ engineRestUrl: engineRestUrl(), cockpitUrl: 'http://127.0.0.1/camunda/app/cockpit/default/', serviceUrl: () => url, teams: ['search', 'fraud'] });
    service = await startService({ config: loaded.config, engineRestUrl: engineRestUrl(), log, port: 0, routes: [{ path: '/sandbox', router }] });
    url = service.url;
    sandbox.connect(service.url);
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    page.on('pageerror', (error) => problems.push(error.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await sandbox?.stop();
  });

  it('takes a ticket created on the page through training, build and tests, review and delivery to Done, showing every comment and message', async () => {
    await page.goto(`${service.url}/sandbox/`);
    await expect.poll(() => page.locator('#live-text').textContent()).toBe('Live');

    await page.getByLabel('Summary').fill('Churn predictor for subscriptions');
    await page.getByLabel('Team').selectOption('search');
    await page.getByRole('button', { name: 'Create ticket' }).click();
    const key = (await sandbox.world.jira.snapshot()).issues.at(-1)?.key ?? 'MLM-1';

    // The repository step: a comment on the card, a message in the team's channel.
    const channel = page.getByRole('region', { name: 'Slack channel #ml-search' });
    await channel.locator('.message', { hasText: 'New model repository' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}/e2e-repository.png`, fullPage: true });

    // The developer moves the ticket from its card.
    await page.getByRole('button', { name: new RegExp(`^Open ${key}`) }).click();
    const dialog = page.locator('#ticket-dialog');
    await dialog.getByRole('button', { name: `Move ${key} to Ready for training` }).click();
    await dialog.getByRole('button', { name: 'Close the ticket' }).click();

    await channel.locator('.message', { hasText: 'Train succeeded!' }).waitFor({ timeout: 120_000 });
    await channel.locator('.message', { hasText: 'Build and tests passed!' }).waitFor({ timeout: 120_000 });
    await expect.poll(() => page.locator(`.card[data-key="${key}"] .card-step`).textContent(), { timeout: 30_000 }).toMatch(/Wait for the review and the merge/);
    await page.getByRole('button', { name: new RegExp(`^Open ${key}`) }).click();
    for (const heading of ['[Success] REPOSITORY', '[Success] TRAIN_RESULT', '[Success] BUILD_RESULT', '[Success] TESTING_RESULT', '[Started] REVIEW']) {
      await dialog.locator('.adf h3', { hasText: heading }).first().waitFor();
    }
    await dialog.getByRole('button', { name: 'Close the ticket' }).click();
    await page.screenshot({ path: `${SHOTS}/e2e-built.png`, fullPage: true });

    // The people of the review, from the GitHub panel: alice (the required maintainer) approves, then the merge.
    await page.getByRole('button', { name: 'Approve as alice' }).first().click();
    await page.getByRole('button', { name: /^Merge #\d+$/ }).first().click();
    // Delivery: staging, then the canary; once the window is over alice approves from the Slack panel.
    await expect.poll(() => page.locator(`.card[data-key="${key}"] .card-step`).textContent(), { timeout: 120_000 }).toMatch(/Wait for Approve or Reject/);
    await page.screenshot({ path: `${SHOTS}/e2e-canary.png`, fullPage: true });
    await channel.locator('.message', { hasText: 'Approve is available' }).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator(`.card[data-key="${key}"] .card-step`).textContent(), { timeout: 60_000 }).toMatch(/In production — ticket Done/);
    await page.screenshot({ path: `${SHOTS}/e2e-delivered.png`, fullPage: true });
    expect(await page.locator('.build').count()).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
  }, 300_000);
});
