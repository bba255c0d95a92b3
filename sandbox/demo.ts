/**
 * `npm run demo`: plays the lifecycle's stories on the sandbox, without a browser. A local
 * engine (in-memory database), the service and the stand-ins start on this machine; each story
 * creates a model ticket and plays the people (moving the ticket, pushing a fix, reviewing and
 * merging the review pull request, approving the canary in Slack), printing every Jira comment
 * and Slack message as it happens: a model delivered to Done, a training that misses its metric,
 * a build that fails a test, and a canary whose error ratio makes the lifecycle roll it back. It exits 1 when a story does not end where it
 * should within its time bound.
 *
 * Settings: DEMO_STORY_TIMEOUT_MS (default 240000) bounds each story; DEMO_STORIES picks
 * stories by number, e.g. "1,3".
 */
import { PROCESS_KEY } from '../src/bpmn/contract.ts';
import { loadConfig } from '../src/config/load.ts';
import { EngineClient } from '../src/engine/camunda7/rest.ts';
import { findFreePort, startLocalEngine } from '../src/engine/local.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService } from '../src/service.ts';
import { adfText } from './adf-html.ts';
import { startSandbox } from './start.ts';
import type { ToggleName } from './view.ts';
import { SANDBOX_MERGER } from './world.ts';

const storyTimeoutMs = Number(process.env.DEMO_STORY_TIMEOUT_MS ?? 240_000);
const chosen = process.env.DEMO_STORIES?.split(',').map((n) => Number(n.trim()));
const quiet = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }).child({ sandbox: true });
const print = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);

interface Story {
  readonly title: string;
  readonly toggle?: ToggleName;
  /** What the people do, and where the story must end. */
  play(key: string, step: Steps): Promise<void>;
}

interface Steps {
  comment(text: string): Promise<void>;
  status(status: string): Promise<void>;
  move(status: string): void;
  push(message: string): void;
  /** A reviewer approves, or requests changes on, the ticket's review pull request. */
  review(login: string, verdict: 'APPROVED' | 'CHANGES_REQUESTED'): Promise<void>;
  /** Someone merges the review pull request. */
  merge(): Promise<void>;
  /** A decider clicks Approve on the ticket's canary message once Approve is live. */
  approve(slackId: string): Promise<void>;
  /** The lifecycle passed a milestone (it may go on waiting after it). */
  passed(activityId: string): Promise<void>;
  /** The lifecycle waits at an activity. */
  waiting(activityId: string): Promise<void>;
  ended(endId: string): Promise<void>;
}

const stories: Story[] = [
  {
    title: 'A model goes from a new ticket through training, its build and tests, review, staging and the canary to Done',
    async play(_key, step) {
      await step.comment('[Success] REPOSITORY');
      step.move('Ready for training');
      await step.comment('[Success] TRAIN_RESULT');
      await step.comment('[Success] TESTING_RESULT');
      await step.comment('[Started] REVIEW');
      await step.review('carol', 'APPROVED');
      await step.review('alice', 'APPROVED');
      await step.merge();
      await step.comment('[Success] REVIEW_RESULT');
      await step.comment('[Success] STAGING_RESULT');
      await step.approve('U0SBALICE1');
      await step.comment('[Success] CANARY_RESULT');
      await step.ended('EndEvent_Delivered');
    },
  },
  {
    title: 'Training misses its metric: the ticket goes back to Research, and attempt 2 trains',
    toggle: 'trainingMissesMetric',
    async play(_key, step) {
      await step.comment('[Success] REPOSITORY');
      step.move('Ready for training');
      await step.comment('[Failed] TRAIN_RESULT');
      await step.status('Research');
      step.move('Ready for training');
      await step.comment('[Success] TRAIN_RESULT');
      await step.passed('Event_Built');
    },
  },
  {
    title: 'A build fails a test: the developer pushes a fix, and the next build passes',
    toggle: 'buildFailsTests',
    async play(_key, step) {
      await step.comment('[Success] REPOSITORY');
      step.move('Ready for training');
      await step.comment('[Failed] TESTING_RESULT');
      await step.status('Research');
      step.push('Fix the threshold test');
      await step.comment('[Success] TESTING_RESULT');
      await step.passed('Event_Built');
    },
  },
  {
    title: 'A canary raises its error ratio: the analysis fails, the lifecycle rolls it back by itself and hands the ticket back to the developer',
    toggle: 'canaryErrorRate',
    async play(_key, step) {
      await step.comment('[Success] REPOSITORY');
      step.move('Ready for training');
      await step.comment('[Started] REVIEW');
      await step.review('alice', 'APPROVED');
      await step.merge();
      await step.comment('[Success] STAGING_RESULT');
      await step.comment('[Failed] CANARY_RESULT');
      await step.status('Research');
      await step.waiting('Gateway_AwaitRebuild');
    },
  },
];

async function main(): Promise<number> {
  print('DEMO on the SANDBOX: Jira, GitHub, Slack and Jenkins are stand-ins on this machine; MLflow and the Camunda engine are real.');
  print('Timings are shortened for the demo (sandbox/policy.toml): builds are polled every 5 s, the start settles in 1 s.');
  const engine = await startLocalEngine({ port: await findFreePort(), dbUrl: 'jdbc:h2:mem:demo;DB_CLOSE_DELAY=-1', log: quiet });
  const sandbox = await startSandbox({ log: quiet });
  let failures = 0;
  try {
    await sandbox.world.mlflowReady;
    const loaded = loadConfig({ env: { ...sandbox.env, LOG_LEVEL: 'warn' }, cwd: process.cwd() });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const service = await startService({ config: loaded.config, engineRestUrl: engine.restUrl, log: quiet, port: 0 });
    sandbox.connect(service.url);
    print(`Cockpit: ${engine.webappUrl}cockpit/  (demo / demo)   MLflow: ${sandbox.world.mlflowUrl}`);
    const client = new EngineClient({ baseUrl: engine.restUrl });
    const { jira, slack, github } = sandbox.world;

    const titles = new Map<string, string>();
    jira.onChange((event) => {
      if (event.type !== 'comment-added') return;
      const comment = jira.comments.get(event.key)?.find((candidate) => candidate.id === event.commentId);
      const text = comment ? commentLine(comment.body) : '';
      print(`  [${event.key}] Jira comment: ${text.slice(0, 160)}${text.length > 160 ? '…' : ''}`);
    });
    slack.onChange((event) => {
      if (event.type !== 'message.posted') return;
      const message = slack.messages.find((candidate) => candidate.ts === event.ts && candidate.channel === event.channel);
      if (message) print(`  [${titles.has(message.channel) ? `#${titles.get(message.channel)}` : `DM ${message.channel}`}] Slack: ${message.text.replace(/\s+/g, ' ').slice(0, 160)}`);
    });
    for (const channel of slack.snapshot().channels) titles.set(channel.id, channel.name);

    for (const [index, story] of stories.entries()) {
      if (chosen && !chosen.includes(index + 1)) continue;
      const started = Date.now();
      print(`Story ${index + 1}: ${story.title}${story.toggle ? ` (toggle: ${story.toggle})` : ''}`);
      if (story.toggle) sandbox.world.toggles[story.toggle] = true;
      const deadline = started + storyTimeoutMs;
      const until = async (what: string, check: () => boolean | Promise<boolean>) => {
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`no ${what} within ${Math.round(storyTimeoutMs / 1000)} s`);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      };
      const issue = jira.createIssue({ summary: `Demo model ${index + 1}`, components: ['search'], assignee: { accountId: 'demo', displayName: 'Ada Lovelace', emailAddress: 'ada@sandbox.local' } });
      const key = issue.key;
      print(`  [${key}] created the ticket "${issue.summary}"`);
      const repo = () => [...github.repos.keys()].find((name) => github.repos.get(name)?.description.includes(`(${key})`));
      const steps: Steps = {
        comment: (text) => until(`"${text}" comment on ${key}`, () => jira.commentsContaining(key, text).length > 0),
        status: (status) => until(`${key} in ${status}`, () => jira.issues.get(key)?.status === status),
        move(status) {
          print(`  [${key}] the developer moves the ticket to ${status}`);
          jira.moveStatus(key, status);
        },
        push(message) {
          const name = repo();
          if (!name) throw new Error(`${key} has no repository to push to`);
          print(`  [${key}] the developer pushes "${message}" to ${name}`);
          github.push(name, 'ml_model/inference/inference.py', `${github.repos.get(name)?.files.get('ml_model/inference/inference.py') ?? ''}\n# ${message}\n`, message);
        },
        async review(login, verdict) {
          const name = repo();
          const pull = name ? github.repos.get(name)?.pulls?.find((candidate) => candidate.state === 'open') : undefined;
          if (!name || !pull) throw new Error(`${key} has no open review pull request`);
          print(`  [${key}] ${login} ${verdict === 'APPROVED' ? 'approves' : 'requests changes on'} ${name}#${pull.number}`);
          github.review(name, pull.number, login, verdict, verdict === 'APPROVED' ? 'Looks good to me.' : 'Please pin the scikit-learn version.');
        },
        async merge() {
          const name = repo();
          const pull = name ? github.repos.get(name)?.pulls?.find((candidate) => candidate.state === 'open') : undefined;
          if (!name || !pull) throw new Error(`${key} has no open review pull request`);
          print(`  [${key}] ${SANDBOX_MERGER} merges ${name}#${pull.number} (${pull.head} → ${pull.base})`);
          github.mergePullRequest(name, pull.number, SANDBOX_MERGER);
        },
        async approve(slackId) {
          const message = () =>
            slack.snapshot().channels.flatMap((channel) => channel.messages).find((candidate) => candidate.metadata?.event_payload['key'] === `model-lifecycle:${key}:canary:1`);
          await until(`Approve available on ${key}'s canary`, () => JSON.stringify(message()?.blocks ?? []).includes('Approve is available'));
          print(`  [${key}] ${slackId} clicks Approve on the canary message`);
          await slack.click(message()!.ts, 'canary:approve', slackId);
        },
        passed: (activityId) =>
          until(`${activityId} in ${key}'s lifecycle`, async () => {
            const instances = await client.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key });
            for (const instance of instances) if ((await client.historicActivities(instance.id)).some((activity) => activity.activityId === activityId && activity.endTime !== null)) return true;
            return false;
          }),
        waiting: (activityId) =>
          until(`${key}'s lifecycle waiting at ${activityId}`, async () => {
            const [instance] = (await client.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key })).filter((candidate) => candidate.state === 'ACTIVE');
            if (!instance) return false;
            return (await client.historicActivities(instance.id)).some((activity) => activity.activityId === activityId && activity.endTime === null);
          }),
        ended: (endId) =>
          until(`end ${endId} of ${key}'s lifecycle`, async () => {
            const [instance] = (await client.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key })).filter((candidate) => candidate.state === 'COMPLETED');
            if (!instance) return false;
            return (await client.historicActivities(instance.id)).some((activity) => activity.activityId === endId);
          }),
      };
      try {
        await story.play(key, steps);
        print(`  PASSED story ${index + 1} in ${Math.round((Date.now() - started) / 1000)} s`);
      } catch (error) {
        failures += 1;
        print(`  FAILED story ${index + 1}: ${(error as Error).message}`);
      } finally {
        if (story.toggle) sandbox.world.toggles[story.toggle] = false;
      }
    }
    await service.stop();
  } catch (error) {
    failures += 1;
    print(`FAILED: ${(error as Error).message}`);
  } finally {
    await sandbox.stop();
    await engine.stop();
  }
  const total = chosen ? chosen.length : stories.length;
  print(failures === 0 ? `Demo: ${total} passed, 0 failed` : `Demo: ${total - failures} passed, ${failures} failed`);
  return failures === 0 ? 0 : 1;
}

/** A comment as one line: its blocks' text joined by " · ". */
function commentLine(body: unknown): string {
  const blocks = (body as { content?: unknown[] } | null)?.content ?? [];
  return blocks
    .map((block) => adfText(block).replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join(' · ');
}

process.exit(await main());
