import { afterAll, beforeAll, expect, it } from 'vitest';
import { CanaryActionIds } from '../../src/http/slack-canary.ts';
import type { Service } from '../../src/service.ts';
import { installWorld, nextIssueKey, startTestService, uninstallWorld, type World } from '../support/service.ts';

/**
 * The whole service as configured from the environment: SLACK_SIGNING_SECRET turns on
 * `POST /slack/events` on the service's own port, with the canary listeners on the Slack app.
 */
let world: World;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  service = await startTestService();
  world.slack.interactivityUrl = `${service.url}/slack/events`;
});

afterAll(async () => {
  await service?.stop();
  await uninstallWorld();
});

it('takes a signed click at /slack/events on the service port, and answers a click on a canary nothing waits for', async () => {
  const issueKey = nextIssueKey();
  world.slack.join('C0SEARCH001', 'search-models');
  const posted = await fetch(`${world.slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxb-test-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: 'C0SEARCH001',
      text: 'Service deployed in canary mode',
      blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: CanaryActionIds.approve, text: { type: 'plain_text', text: 'Approve' }, value: issueKey }] }],
    }),
  });
  const { ts } = (await posted.json()) as { ts: string };

  const click = await world.slack.click(ts, CanaryActionIds.approve, 'U0MAINT0001');

  expect(click.status).toBe(200);
  await expect.poll(() => world.slack.ephemeralsFor('U0MAINT0001').map((e) => e.text)).toEqual([`No canary of ${issueKey} waits for a decision on this message.`]);
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  expect(metrics).toContain('lifecycle_canary_clicks_total{action="approve",result="no_gate"} 1');

  const forged = await fetch(`${service.url}/slack/events`, { method: 'POST', headers: { ...click.headers, 'x-slack-signature': `v0=${'0'.repeat(64)}` }, body: click.rawBody });
  expect(forged.status).toBe(401);
});
