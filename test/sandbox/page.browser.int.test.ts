import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxRouter, type SandboxRouter } from '../../sandbox/page.ts';
import { FAKE_PEOPLE, FakeSandbox } from './fake-sandbox.ts';

/**
 * The sandbox page in a real Chromium (Debian's `chromium`; playwright-core drives it and
 * downloads nothing), against the router on loopback with a small stateful fake behind it.
 * Without /usr/bin/chromium the test is skipped on a developer's machine and fails in CI.
 */

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = 'test-results/sandbox';
const inCi = process.env.CI === 'true';
const skip = !existsSync(CHROMIUM) && !inCi;
if (skip) console.warn(`sandbox browser test skipped: ${CHROMIUM} is absent (install it with: apt-get update && apt-get install -y chromium)`);

describe.skipIf(skip)(`the sandbox page in Chromium${skip ? ` (skipped: ${CHROMIUM} is absent)` : ''}`, () => {
  let fake: FakeSandbox;
  let router: SandboxRouter;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let url: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`CI needs Chromium at ${CHROMIUM}: .ci/run installs it ("Chromium for the browser tests")`);
    fake = new FakeSandbox();
    router = createSandboxRouter({ view: fake.view, actions: fake, log: pino({ level: 'silent' }), pollIntervalMs: 100 });
    const app = express();
    app.use('/sandbox', router);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/`;
    await mkdir(SHOTS, { recursive: true });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // A blocked script, a violated content security policy or an exception is a failure.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    router?.close();
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  it('shows the banner, the board and the live connection', async () => {
    await page.goto(url);

    await expect.poll(() => page.locator('#live-text').textContent()).toBe('Live');
    expect(await page.locator('.banner').textContent()).toContain('stand-ins running on this machine');
    expect(await page.locator('.links a').allTextContents()).toEqual(['Cockpit ↗', 'MLflow ↗', 'Metrics ↗']);
    expect(await page.locator('.column-title').allTextContents()).toEqual(['To Do 0', 'Research 1', 'Ready for training 0', 'Training 0', 'Review 0', 'Done 0']);
  });

  it('creates a ticket through the form and shows its card', async () => {
    await page.getByLabel('Summary').fill('Fraud scoring for card payments');
    await page.getByLabel('Team').selectOption('fraud');
    await page.getByRole('button', { name: 'Create ticket' }).click();

    const card = page.locator('.card[data-key="MLM-2"]');
    await card.waitFor();
    expect(await card.locator('.card-summary').textContent()).toBe('Fraud scoring for card payments');
    expect(await card.locator('.card-step').textContent()).toBe('Wait for Ready for training');
    expect(await card.locator('a.card-link').getAttribute('href')).toMatch(/process-instance\/pi-MLM-2$/);
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Created MLM-2. Its lifecycle starts in a moment.');
    expect(fake.recorded).toContainEqual({ action: 'createTicket', summary: 'Fraud scoring for card payments', team: 'fraud' });
    await page.screenshot({ path: `${SHOTS}/page.png`, fullPage: true });
  });

  it('opens a card and shows its comments as Jira does, with the status moves', async () => {
    await page.getByRole('button', { name: 'Open MLM-1: Churn predictor for subscriptions' }).click();
    const dialog = page.locator('#ticket-dialog');
    await dialog.waitFor();

    expect(await dialog.locator('.adf h3').textContent()).toBe('[Failed] TRAIN_RESULT');
    expect(await dialog.locator('.adf table th').allTextContents()).toEqual(['Metric', 'Value', 'Threshold']);
    // The comment's markup is text on the page, not markup.
    expect(await dialog.locator('.adf p').first().textContent()).toBe('A metric is past its bound <script>alert(1)</script>');
    await page.screenshot({ path: `${SHOTS}/ticket.png` });

    await dialog.getByRole('button', { name: 'Move MLM-1 to Ready for training' }).click();
    await expect.poll(() => dialog.locator('.detail-key .lozenge').textContent()).toBe('Ready for training');
    expect(fake.recorded).toContainEqual({ action: 'moveStatus', key: 'MLM-1', status: 'Ready for training' });
    await dialog.getByRole('button', { name: 'Close the ticket' }).click();
    await expect.poll(() => page.locator('.column-title').nth(2).textContent()).toBe('Ready for training 1');
  });

  it('renders a comment written through the page’s own ticket', async () => {
    await page.getByRole('button', { name: /^Open MLM-2/ }).click();
    const dialog = page.locator('#ticket-dialog');
    expect(await dialog.locator('.adf a code').textContent()).toBe('acme/fraud-scoring-for-card-payments');
    expect(await dialog.locator('.adf strong').textContent()).toBe('Next:');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });

  it('renders Slack messages from Block Kit, and records a click on an interactive button', async () => {
    const channel = page.getByRole('region', { name: 'Slack channel #ml-fraud' });
    const message = channel.locator('.message').filter({ hasText: 'New model repository' });
    expect(await message.locator('strong', { hasText: 'New model repository' }).count()).toBe(1);
    const link = message.getByRole('link', { name: 'Open repository' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('href')).toBe('https://github.example/acme/fraud-scoring-for-card-payments');

    await message.getByRole('button', { name: 'Approve' }).click();

    await channel.locator('.message', { hasText: 'pressed approve' }).waitFor();
    expect(fake.recorded).toContainEqual(expect.objectContaining({ action: 'clickButton', channelId: 'C-FRAUD', actionId: 'approve' }));
    await expect.poll(() => page.locator('#notice').textContent()).toBe('You pressed “Approve” in Slack.');
    // The pricing channel's "&lt; 0.9" shows as "< 0.9".
    expect(await page.getByRole('region', { name: 'Slack channel #ml-pricing' }).textContent()).toContain('recall 0.84 < 0.9');
  });

  it('toggles a scenario switch', async () => {
    const toggle = page.getByRole('switch', { name: 'Next build fails a test' });
    expect(await toggle.isChecked()).toBe(false);

    await page.locator('label[for="toggle-buildFailsTests"]').click();

    await expect.poll(async () => (await fake.view()).toggles.buildFailsTests).toBe(true);
    await expect.poll(() => page.getByRole('switch', { name: 'Next build fails a test' }).isChecked()).toBe(true);
  });

  it('pushes a commit to a repository', async () => {
    await page.getByLabel('Commit message for acme/churn-predictor').fill('Add class weights');
    await page.getByRole('button', { name: 'Push a commit to acme/churn-predictor' }).click();

    await page.getByRole('list', { name: 'Commits of acme/churn-predictor' }).getByText('Add class weights').waitFor();
    expect(fake.recorded).toContainEqual({ action: 'pushCommit', repo: 'acme/churn-predictor', message: 'Add class weights' });
  });

  it('plays alice: an early Approve of the canary is answered only to her, marked as Slack marks it', async () => {
    expect(await page.getByLabel('You are').inputValue()).toBe(FAKE_PEOPLE.maintainer.slackId);
    const channel = page.getByRole('region', { name: 'Slack channel #ml-pricing' });
    await channel.locator('.message', { hasText: 'Service deployed in canary mode' }).getByRole('button', { name: 'Approve' }).click();

    const reply = channel.locator('.message-ephemeral');
    await reply.waitFor();
    expect(await reply.locator('.ephemeral-tag').textContent()).toContain('Only visible to you');
    expect(await reply.textContent()).toContain('Approve becomes available in 1 m 40 s, after stabilisation.');
    expect(fake.recorded).toContainEqual(expect.objectContaining({ action: 'clickButton', actionId: 'canary:approve', as: FAKE_PEOPLE.maintainer.slackId }));
  });

  it('plays the developer from the select: she sees her own refusal, not alice’s reply', async () => {
    await page.getByLabel('You are').selectOption(FAKE_PEOPLE.developer.slackId);
    await expect.poll(() => page.locator('#notice').textContent()).toBe('You are ada in Slack now.');
    const channel = page.getByRole('region', { name: 'Slack channel #ml-pricing' });
    await expect.poll(() => channel.locator('.message-ephemeral').count()).toBe(0);

    await channel.locator('.message', { hasText: 'Service deployed in canary mode' }).getByRole('button', { name: 'Approve' }).click();
    await channel.locator('.message-ephemeral', { hasText: 'You developed this model: self-approval is off.' }).waitFor();

    await page.getByLabel('You are').selectOption(FAKE_PEOPLE.maintainer.slackId);
    await channel.locator('.message-ephemeral', { hasText: 'Approve becomes available' }).waitFor();
  });

  it('opens the Reject form for alice, and sends the reason she types', async () => {
    const channel = page.getByRole('region', { name: 'Slack channel #ml-pricing' });
    await channel.locator('.message', { hasText: 'Service deployed in canary mode' }).getByRole('button', { name: 'Reject' }).click();

    const form = page.getByRole('dialog', { name: 'Reject the canary' });
    await form.waitFor();
    expect(await form.textContent()).toContain('Rejecting rolls the canary of MLM-1 back');
    const why = form.getByLabel('Why?');
    await expect.poll(() => why.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await page.screenshot({ path: `${SHOTS}/reject-form.png` });
    // Nothing typed: the browser keeps the form (the input is required), nothing is sent.
    await form.getByRole('button', { name: 'Reject and roll back' }).click();
    expect(fake.recorded.some((r) => r.action === 'submitModal')).toBe(false);

    await why.fill('p99 latency doubled on the canary');
    await form.getByRole('button', { name: 'Reject and roll back' }).click();

    await form.waitFor({ state: 'detached' });
    expect(fake.recorded).toContainEqual({ action: 'submitModal', viewId: expect.stringMatching(/^V0FAKE/), values: { reason: { reason: 'p99 latency doubled on the canary' } } });
    await channel.locator('.message', { hasText: 'Rejected by @alice: p99 latency doubled on the canary' }).waitFor();
    // The canary is gone from the deployments.
    await expect.poll(() => page.locator('.deployment').allTextContents()).toEqual([expect.stringMatching(/^stable churn-predictor v1/)]);
  });

  it('closes the Reject form with Cancel, sending nothing', async () => {
    const channel = page.getByRole('region', { name: 'Slack channel #ml-pricing' });
    await channel.locator('.message', { hasText: 'Service deployed in canary mode' }).getByRole('button', { name: 'Reject' }).click();
    const form = page.getByRole('dialog', { name: 'Reject the canary' });
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    expect(fake.recorded.at(-1)).toMatchObject({ action: 'closeModal' });
  });

  it('closes the Reject form with Escape, sending nothing', async () => {
    const channel = page.getByRole('region', { name: 'Slack channel #ml-pricing' });
    const closes = fake.recorded.filter((r) => r.action === 'closeModal').length;
    await channel.locator('.message', { hasText: 'Service deployed in canary mode' }).getByRole('button', { name: 'Reject' }).click();
    const form = page.getByRole('dialog', { name: 'Reject the canary' });
    await form.getByLabel('Why?').fill('typed, then changed my mind');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(fake.recorded.filter((r) => r.action === 'closeModal')).toHaveLength(closes + 1);
    expect(fake.recorded.some((r) => r.action === 'submitModal' && JSON.stringify(r).includes('changed my mind'))).toBe(false);
  });

  it('closes and reopens the review pull request', async () => {
    await page.getByRole('button', { name: 'Close #1' }).click();
    await page.getByRole('button', { name: 'Reopen #1' }).click();
    await page.getByRole('button', { name: 'Merge #1' }).waitFor();
    expect(fake.recorded.filter((r) => r.action === 'closePullRequest' || r.action === 'reopenPullRequest')).toEqual([
      { action: 'closePullRequest', repo: 'acme/churn-predictor', number: 1 },
      { action: 'reopenPullRequest', repo: 'acme/churn-predictor', number: 1 },
    ]);
  });

  it('shows the Jenkins builds with their result and console', async () => {
    const build = page.locator('.build').first();
    expect(await build.locator('.result').textContent()).toBe('FAILURE');
    expect(await build.locator('.console').textContent()).toContain('recall = 0.84 (min 0.9)');
    await page.screenshot({ path: `${SHOTS}/sandbox.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});
