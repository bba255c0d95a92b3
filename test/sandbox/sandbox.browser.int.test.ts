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
 * is reviewed and merged from the GitHub panel, and goes through staging and the canary; the
 * page plays alice (and erin, an outsider) in Slack, shows their ephemeral replies, and sends the
 * Reject form with the reason typed in it.
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

  it('takes two tickets created on the page through training, build, review and delivery: one approved to Done, one rejected with a typed reason and rolled back', async () => {
    await page.goto(`${service.url}/sandbox/`);
    await expect.poll(() => page.locator('#live-text').textContent()).toBe('Live');

    const create = async (summary: string): Promise<string> => {
      await page.getByLabel('Summary').fill(summary);
      await page.getByLabel('Team').selectOption('search');
      await page.getByRole('button', { name: 'Create ticket' }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(/^Created MLM-\d+/);
      return /^Created (MLM-\d+)/.exec((await page.locator('#notice').textContent()) ?? '')?.[1] ?? '';
    };
    const approved = await create('Churn predictor for subscriptions');
    const rejected = await create('Fraud scoring for card payments');
    const channel = page.getByRole('region', { name: 'Slack channel #ml-search' });
    const card = (key: string) => page.locator(`.card[data-key="${key}"] .card-step`);

    for (const key of [approved, rejected]) {
      // The repository step: a message in the team's channel; then the developer moves the ticket from its card.
      await channel.locator('.message', { hasText: 'New model repository' }).filter({ hasText: key }).waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: new RegExp(`^Open ${key}:`) }).click();
      const dialog = page.locator('#ticket-dialog');
      await dialog.getByRole('button', { name: `Move ${key} to Ready for training` }).click();
      await dialog.getByRole('button', { name: 'Close the ticket' }).click();
    }
    await page.screenshot({ path: `${SHOTS}/e2e-repository.png`, fullPage: true });

    for (const key of [approved, rejected]) {
      await expect.poll(() => card(key).textContent(), { timeout: 180_000 }).toMatch(/Wait for the review and the merge/);
    }
    await page.getByRole('button', { name: new RegExp(`^Open ${approved}:`) }).click();
    const dialog = page.locator('#ticket-dialog');
    for (const heading of ['[Success] REPOSITORY', '[Success] TRAIN_RESULT', '[Success] BUILD_RESULT', '[Success] TESTING_RESULT', '[Started] REVIEW']) {
      await dialog.locator('.adf h3', { hasText: heading }).first().waitFor();
    }
    await dialog.getByRole('button', { name: 'Close the ticket' }).click();
    await page.screenshot({ path: `${SHOTS}/e2e-built.png`, fullPage: true });

    // The people of the review, from the GitHub panel: alice (the required maintainer) approves, then the merge.
    for (const key of [approved, rejected]) {
      const repo = page.locator('.repo', { hasText: `(${key})` });
      await repo.getByRole('button', { name: 'Approve as alice' }).click();
      await repo.getByRole('button', { name: /^Merge #\d+$/ }).click();
    }

    // Staging, then the canary: the deployments show both canaries; during the window alice's Approve is refused, to her only.
    const canaryOf = (key: string) => channel.locator('.message', { hasText: 'Service deployed in canary mode' }).filter({ hasText: key });
    await canaryOf(approved).waitFor({ timeout: 120_000 });
    await canaryOf(approved).getByRole('button', { name: 'Approve' }).click();
    const early = channel.locator('.message-ephemeral', { hasText: 'Approve becomes available in' });
    await early.waitFor({ timeout: 15_000 });
    expect(await early.locator('.ephemeral-tag').textContent()).toBe('Only visible to you');

    // erin, an outsider, may not decide; the page shows her own reply, not alice's.
    await page.getByLabel('You are').selectOption({ label: 'erin: outsider: no role in any model' });
    await expect.poll(() => early.count()).toBe(0);
    await canaryOf(approved).getByRole('button', { name: 'Approve' }).click();
    await channel.locator('.message-ephemeral', { hasText: "Only the model's maintainers and the platform's approvers can decide" }).waitFor({ timeout: 15_000 });
    await page.getByLabel('You are').selectOption({ label: 'alice: maintainer of team search' });
    await early.waitFor();

    // alice rejects the other canary, saying why in the form.
    await canaryOf(rejected).waitFor({ timeout: 120_000 });
    await expect.poll(() => page.locator('.deployment-canary').count(), { timeout: 30_000 }).toBe(2);
    await page.screenshot({ path: `${SHOTS}/e2e-canary.png`, fullPage: true });
    await canaryOf(rejected).getByRole('button', { name: 'Reject' }).click();
    const form = page.getByRole('dialog', { name: 'Reject the canary' });
    await form.getByLabel('Why?').fill('p99 latency doubled on the canary');
    await page.screenshot({ path: `${SHOTS}/e2e-reject-form.png` });
    await form.getByRole('button', { name: 'Reject and roll back' }).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => card(rejected).textContent(), { timeout: 90_000 }).toMatch(/Wait for a fix/);
    // The canary message, updated in place, says who rejected it and why.
    await channel.locator('.message', { hasText: 'Rejected by' }).filter({ hasText: rejected }).filter({ hasText: 'p99 latency doubled on the canary' }).waitFor();
    expect(sandbox.world.jira.issues.get(rejected)?.status).toBe('Research');
    expect(JSON.stringify(sandbox.world.jira.commentsContaining(rejected, '[Failed] CANARY_RESULT').map((comment) => comment.body))).toContain('p99 latency doubled on the canary');

    // Once the window is over alice approves the first one: promoted, the ticket Done.
    await channel.locator('.message', { hasText: 'Approve is available' }).filter({ hasText: approved }).getByRole('button', { name: 'Approve' }).click({ timeout: 60_000 });
    await expect.poll(() => card(approved).textContent(), { timeout: 60_000 }).toMatch(/In production — ticket Done/);
    await expect.poll(() => page.locator('.deployment-canary').count()).toBe(0);
    await expect.poll(() => page.locator('.deployment-stable').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/e2e-delivered.png`, fullPage: true });
    expect(await page.locator('.build').count()).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
  }, 420_000);
});
