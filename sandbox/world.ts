import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { findFreePort } from '../src/engine/local.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { buildJob } from '../standins/build-job.ts';
import { deployJob, type DeployBehaviour } from '../standins/deploy-job.ts';
import { InferenceDeployments } from '../standins/inference-service.ts';
import { prometheusAvailable, startPrometheusServer, type PrometheusServer } from '../standins/prometheus-server.ts';
import { GitHubStandIn, templatesFrom } from '../standins/github.ts';
import { JenkinsStandIn } from '../standins/jenkins.ts';
import { JiraStandIn } from '../standins/jira.ts';
import { mlflowPython, mlflowVenv, startMlflowServer, trainScript, type MlflowServer } from '../standins/mlflow-server.ts';
import { SlackStandIn } from '../standins/slack.ts';
import { trainingJob } from '../standins/training-job.ts';
import type { SandboxPerson, ToggleName } from './view.ts';

/** The sandbox's policy: its teams, channels and short timings. */
export const SANDBOX_POLICY_FILE = join(PROJECT_ROOT, 'sandbox', 'policy.toml');

/** The workflow of the sandbox's Jira project, in board order. */
export const SANDBOX_STATUSES = ['To do', 'Research', 'Ready for training', 'Ready for build', 'Done'] as const;

/** The sandbox's teams, as the policy names them, and their Slack channels. */
export const SANDBOX_CHANNELS: Readonly<Record<string, string>> = { C0SANDBOX01: 'ml-search', C0SANDBOX02: 'ml-fraud' };

/** The data scientist every sandbox ticket is assigned to. */
export const SANDBOX_DEVELOPER = { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Ada Lovelace', emailAddress: 'ada@sandbox.local' };

/** The sandbox's reviewers (sandbox/policy.toml: maintainers alice and bob, the pool carol and dave), as GitHub, Jira and Slack know them. */
export const SANDBOX_REVIEWERS = ['alice', 'bob', 'carol', 'dave'] as const;

/** Who merges review pull requests on the page and in the demo. */
export const SANDBOX_MERGER = 'release-manager';

/**
 * The sandbox's Slack directory: the reviewers (their ids are [reviewers.slack_users] of
 * sandbox/policy.toml), the developer (found by her e-mail, so the canary bars her from deciding)
 * and an outsider. The page's Slack buttons click as one of them, alice by default.
 */
export const SANDBOX_PEOPLE: ReadonlyArray<SandboxPerson & { readonly email: string }> = [
  { slackId: 'U0SBALICE1', name: 'alice', email: 'alice@sandbox.local', role: 'maintainer of team search' },
  { slackId: 'U0SBBOB001', name: 'bob', email: 'bob@sandbox.local', role: 'maintainer of team fraud' },
  { slackId: 'U0SBCAROL1', name: 'carol', email: 'carol@sandbox.local', role: 'reviewer from the pool' },
  { slackId: 'U0SBDAVE01', name: 'dave', email: 'dave@sandbox.local', role: 'reviewer from the pool' },
  { slackId: 'U0SBADA001', name: 'ada', email: SANDBOX_DEVELOPER.emailAddress, role: 'the developer of every sandbox model' },
  { slackId: 'U0SBERIN01', name: 'erin', email: 'erin@sandbox.local', role: 'outsider: no role in any model' },
];

/** Who plays on the page at first: alice, maintainer of team search, who may decide its canaries. */
export const SANDBOX_DEFAULT_PLAYER = 'U0SBALICE1';

/** The wrong answer the "staging answers wrong" switch makes staging give: the second prediction's species. */
export const SANDBOX_WRONG_ANSWER = { path: 'predictions.1.species', value: 'setosa' } as const;

/** Health probes a deployment that "never becomes healthy" answers 503: far more than the staging health deadline allows. */
const NEVER_HEALTHY_PROBES = 1_000_000;

/**
 * Every system the service talks to, as stand-ins on loopback, and a real MLflow server when
 * Python can run one: what `npm start` runs when no real endpoint is configured, and what
 * `npm run demo` plays its stories on. The toggles make the next training, build or canary fail.
 */
export interface SandboxWorld {
  readonly jira: JiraStandIn;
  readonly github: GitHubStandIn;
  readonly slack: SlackStandIn;
  readonly jenkins: JenkinsStandIn;
  /** The MLflow tracking server's address (it may still be starting: see {@link mlflowReady}). */
  readonly mlflowUrl: string;
  /** Resolves when MLflow answers, rejects when it cannot run here (no Python). */
  readonly mlflowReady: Promise<void>;
  readonly toggles: Record<ToggleName, boolean>;
  /** The inference services the deploy job put on loopback (staging, canary and stable slots). */
  readonly deployments: InferenceDeployments;
  /** Who the page plays in Slack: the Slack user id its buttons click and its forms submit as. */
  readonly player: { slackId: string };
  /** The settings that point the service at the stand-ins (environment variables). */
  readonly env: Readonly<Record<string, string>>;
  /** Registers the service's webhook endpoints with the Jira and GitHub stand-ins. */
  connect(serviceUrl: string): void;
  stop(): Promise<void>;
}

export async function startSandboxWorld(options: { log: Logger; setUpMlflow?: boolean }): Promise<SandboxWorld> {
  const { log } = options;
  const secret = (name: string) => `sandbox-${name}-${randomBytes(8).toString('hex')}`;
  const credentials = {
    jiraEmail: 'lifecycle-robot@sandbox.local',
    jiraToken: secret('jira'),
    jiraWebhook: secret('jira-webhook'),
    githubToken: `ghp_${randomBytes(16).toString('hex')}`,
    githubWebhook: secret('github-webhook'),
    slackToken: `xoxb-sandbox-${randomBytes(8).toString('hex')}`,
    jenkinsUser: 'model-lifecycle',
    jenkinsToken: secret('jenkins'),
    callback: secret('callback'),
  };
  const toggles: Record<ToggleName, boolean> = { trainingMissesMetric: false, buildFailsTests: false, stagingUnhealthy: false, stagingWrongAnswer: false, canaryErrorRate: false };
  /** A toggle is for the next run only: reading it switches it off. */
  const take = (name: ToggleName): boolean => {
    const on = toggles[name];
    toggles[name] = false;
    return on;
  };

  const jira = new JiraStandIn({ statuses: SANDBOX_STATUSES, email: credentials.jiraEmail, apiToken: credentials.jiraToken, webhookRetry: { retries: 5, minDelayMs: 500, maxDelayMs: 5_000 } });
  const github = new GitHubStandIn({ token: credentials.githubToken, templates: templatesFrom('acme-ml/ml-model-template') });
  const slack = new SlackStandIn({
    token: credentials.slackToken,
    channels: SANDBOX_CHANNELS,
    users: SANDBOX_PEOPLE.map(({ slackId, name, email }) => ({ id: slackId, name, email, realName: name === 'ada' ? SANDBOX_DEVELOPER.displayName : name })),
  });
  const jenkins = new JenkinsStandIn({ user: credentials.jenkinsUser, apiToken: credentials.jenkinsToken, queueDelayMs: [200, 600] });
  // The reviewers exist in GitHub (with a public e-mail) and in Jira; Slack finds them through
  // [reviewers.slack_users] of sandbox/policy.toml. ada is the developer's GitHub account.
  github.setUser('ada', { email: SANDBOX_DEVELOPER.emailAddress, name: SANDBOX_DEVELOPER.displayName });
  for (const [index, login] of SANDBOX_REVIEWERS.entries()) {
    github.setUser(login, { email: `${login}@sandbox.local`, name: login });
    jira.addUser({ accountId: `5b10a0000000000000000${index + 1}0`, displayName: `${login[0]?.toUpperCase()}${login.slice(1)}`, emailAddress: `${login}@sandbox.local` });
  }
  const [jiraUrl, githubUrl, slackUrl, jenkinsUrl, mlflowPort] = await Promise.all([jira.start(), github.start(), slack.start(), jenkins.start(), findFreePort()]);
  const mlflowUrl = `http://127.0.0.1:${mlflowPort}`;

  let mlflow: MlflowServer | null = null;
  const mlflowReady = (async () => {
    if (!existsSync(join(mlflowVenv, 'bin', 'mlflow'))) {
      if (options.setUpMlflow === false) throw new Error('MLflow is not installed: run scripts/setup-mlflow.sh');
      log.info('sandbox: installing MLflow into .venv-mlflow (scripts/setup-mlflow.sh, about a minute, once)');
      await run('bash', [join(PROJECT_ROOT, 'scripts', 'setup-mlflow.sh')]);
    }
    mlflow = await startMlflowServer({ port: mlflowPort });
    log.info({ mlflow: mlflowUrl }, 'sandbox: MLflow tracking server is up');
  })();
  mlflowReady.catch((error: Error) => log.warn({ err: error.message }, 'sandbox: MLflow cannot run here; training builds will fail and say why'));

  jenkins.defineJob('ml/train-model', async (build) => {
    try {
      await mlflowReady;
    } catch (error) {
      build.log(`ERROR: the sandbox has no MLflow server: ${(error as Error).message}`);
      return 'FAILURE';
    }
    const underfit = take('trainingMissesMetric');
    return trainingJob({ python: mlflowPython, trainScript, mlflowUrl, callbackSecret: credentials.callback, behaviour: () => (underfit ? { underfit: true } : {}) })(build);
  });
  jenkins.defineJob(
    'ml/build-inference',
    buildJob({
      reportsDir: join(PROJECT_ROOT, 'test', 'fixtures', 'build-reports'),
      callbackSecret: credentials.callback,
      behaviour: () => (take('buildFailsTests') ? { scenario: 'red' } : {}),
    }),
  );

  // The deploy job puts each staging, canary and stable deployment on loopback; a real Prometheus
  // (Debian's /usr/bin/prometheus) scrapes them when this machine has one, else the canary
  // analysis has no data and says so (inconclusive).
  const deployments = new InferenceDeployments({ requestsPerSecond: 20 });
  let prometheus: PrometheusServer | null = null;
  if (prometheusAvailable()) {
    try {
      prometheus = await startPrometheusServer();
      log.info({ prometheus: prometheus.url }, 'sandbox: Prometheus scrapes the deployed inference services');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'sandbox: Prometheus did not start; the canary analysis will have no data');
    }
  }
  jenkins.defineJob(
    'ml/deploy-inference',
    deployJob({
      deployments,
      callbackSecret: credentials.callback,
      ...(prometheus ? { onTargetsChanged: (targets: readonly string[]) => (prometheus as PrometheusServer).setTargets(targets) } : {}),
      behaviour: (parameters) => sandboxDeployBehaviour(parameters, take),
    }),
  );

  const env: Record<string, string> = {
    POLICY_FILE: SANDBOX_POLICY_FILE,
    JIRA_BASE_URL: jiraUrl,
    JIRA_EMAIL: credentials.jiraEmail,
    JIRA_API_TOKEN: credentials.jiraToken,
    JIRA_WEBHOOK_SECRET: credentials.jiraWebhook,
    GITHUB_API_URL: githubUrl,
    GITHUB_TOKEN: credentials.githubToken,
    GITHUB_WEBHOOK_SECRET: credentials.githubWebhook,
    SLACK_BOT_TOKEN: credentials.slackToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slackUrl,
    JENKINS_URL: jenkinsUrl,
    JENKINS_USER: credentials.jenkinsUser,
    JENKINS_API_TOKEN: credentials.jenkinsToken,
    JENKINS_CALLBACK_SECRET: credentials.callback,
    MLFLOW_TRACKING_URI: mlflowUrl,
    ...(prometheus ? { PROMETHEUS_URL: prometheus.url } : {}),
  };
  log.info({ jira: jiraUrl, github: githubUrl, slack: slackUrl, jenkins: jenkinsUrl, mlflow: mlflowUrl }, 'sandbox: stand-ins of Jira, GitHub, Slack and Jenkins are listening on loopback');

  return {
    jira,
    github,
    slack,
    jenkins,
    mlflowUrl,
    mlflowReady,
    toggles,
    deployments,
    player: { slackId: SANDBOX_DEFAULT_PLAYER },
    env,
    connect(serviceUrl) {
      slack.interactivityUrl = `${serviceUrl}/slack/events`;
      jira.registerWebhook({ url: `${serviceUrl}/webhooks/jira`, secret: credentials.jiraWebhook });
      github.registerWebhook({ url: `${serviceUrl}/webhooks/github`, secret: credentials.githubWebhook, events: ['push', 'pull_request', 'pull_request_review'] });
    },
    async stop() {
      await Promise.allSettled([jira.stop(), github.stop(), slack.stop(), jenkins.stop(), deployments.stopAll(), prometheus?.stop()]);
      await (mlflow as MlflowServer | null)?.stop();
    },
  };
}

/**
 * What the next deploy build does to the inference service it deploys, by the switches (the
 * inference stand-in's controls through the deploy job): a staging deployment that never becomes
 * healthy, or that gets one field of every prediction wrong; a canary that answers 30 % of its
 * requests with errors. `take` reads a switch and turns it off (each acts on one deployment).
 */
export function sandboxDeployBehaviour(parameters: Readonly<Record<string, string>>, take: (name: ToggleName) => boolean): DeployBehaviour {
  if (parameters.MODE === 'staging') {
    const unhealthy = take('stagingUnhealthy');
    const wrong = take('stagingWrongAnswer');
    return { ...(unhealthy ? { unhealthyProbes: NEVER_HEALTHY_PROBES } : {}), ...(wrong ? { service: { wrongField: SANDBOX_WRONG_ANSWER } } : {}) };
  }
  return parameters.MODE === 'canary' && take('canaryErrorRate') ? { service: { errorRatio: SANDBOX_CANARY_ERROR_RATIO } } : {};
}

/** The error ratio of a canary the "raises its error rate" switch deployed. */
export const SANDBOX_CANARY_ERROR_RATIO = 0.3;

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: PROJECT_ROOT });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}
