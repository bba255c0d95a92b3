import { z } from 'zod';
import { parseIsoDuration } from '../domain/duration.ts';
import { QUERY_PLACEHOLDERS, unknownPlaceholders } from '../domain/canary-analysis.ts';
import { isTimeZone, parseWorkingDuration, workingDayLength } from '../domain/working-time.ts';
import {
  coverageMinSchema,
  cpuQuantitySchema,
  cpusNumberSchema,
  datasetNameSchema,
  diffCoverageMinSchema,
  formatRequiredSchema,
  gpusNumberSchema,
  memoryQuantitySchema,
  modelTypeSchema,
  mypyMaxErrorsSchema,
  pythonVersionSchema,
  samplingRatioSchema,
  trainMetricsSchema,
} from '../domain/model-toml.ts';
import { expecting, readTomlDocument, table } from './toml-document.ts';

/**
 * The policy file (`config/policy.toml`): how this organisation runs model lifecycles: which
 * Jira tickets start one, how the model repository is created and protected, the teams and
 * their Slack channels, reviewers, model.toml defaults, timers and worker tuning. Keys stay
 * snake_case as written in TOML. Every table is strict, so a misspelt key is an error.
 */

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

const githubLogin = z
  .string({ error: expecting('a GitHub login', 'use the user name from the GitHub profile address, e.g. "alice"') })
  .regex(GITHUB_LOGIN);

/** `git check-ref-format --branch` rules, for a branch name written in the policy. */
function isValidBranchName(name: string): boolean {
  if (name === '' || name === '@' || name.length > 255) return false;
  // Control characters and space, then git's forbidden punctuation.
  if ([...name].some((char) => char.charCodeAt(0) <= 0x20 || char.charCodeAt(0) === 0x7f) || /[~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.startsWith('-')) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

const nonEmpty = (expected: string, fix: string) => z.string({ error: expecting(expected, fix) }).trim().min(1);

const customFieldId = (what: string) =>
  z
    .string({
      error: expecting(
        'a Jira custom field id such as "customfield_10100"',
        `use the id of the field carrying ${what} (in Jira: Settings → Issues → Custom fields → ⋯ → the number in the address), or remove the key`,
      ),
    })
    .regex(/^customfield_\d+$/)
    .optional();

const statusName = (role: string, example: string) =>
  nonEmpty('a Jira status name', `set it to the name of the status meaning "${role}" in the workflow, e.g. "${example}"`);

const jiraSchema = table(
  {
    project: z
      .string({
        error: expecting('a Jira project key (uppercase letters, digits, "_")', (input) =>
          typeof input === 'string' && /^[a-z][a-z0-9_]+$/.test(input)
            ? `project keys are uppercase: "${input.toUpperCase()}"`
            : 'set it to the key of the project whose tickets start lifecycles, e.g. "MLM"',
        ),
      })
      .regex(/^[A-Z][A-Z0-9_]+$/)
      .describe('Key of the Jira project whose tickets start lifecycles, e.g. "MLM"'),
    issue_type: nonEmpty('an issue type name', 'set it to the issue type of model tickets, e.g. "Model"').describe(
      'Issue type that starts a lifecycle, e.g. "Model"',
    ),
    api: z
      .enum(['cloud', 'datacenter'], {
        error: expecting('"cloud" or "datacenter"', 'use "cloud" for *.atlassian.net (REST v3), "datacenter" for a self-hosted Jira (REST v2)'),
      })
      .default('cloud')
      .describe('"cloud": Jira Cloud, REST v3 with ADF comments; "datacenter": Jira Data Center, REST v2 with wiki markup'),
    statuses: z
      .object(
        {
          research: statusName('research', 'Research').describe('Status of a ticket whose model is being researched'),
          ready_for_training: statusName('ready for training', 'Ready for training').describe(
            'Status the developer moves the ticket to when the model is ready to train',
          ),
          done: statusName('done', 'Done')
            .optional()
            .describe('Status of a ticket whose model is in production; the delivery stage moves the ticket there after Approve (needed once a lifecycle reaches delivery)'),
        },
        { error: expecting('a table', 'add [jira.statuses] with research and ready_for_training') },
      )
      .catchall(statusName('this role', 'Done').describe('Further roles the process refers to, e.g. done = "Done"'))
      .superRefine((statuses, ctx) => {
        const seen = new Map<string, string>();
        for (const [role, name] of Object.entries(statuses)) {
          if (!/^[a-z][a-z0-9_]*$/.test(role)) {
            ctx.addIssue({ code: 'custom', path: [role], message: 'role names are snake_case — e.g. ready_for_training' });
          }
          const other = seen.get(name.toLowerCase());
          if (other) {
            ctx.addIssue({
              code: 'custom',
              path: [role],
              message: `is "${name}", the same status as ${other} — each role needs its own status, or the process cannot tell them apart`,
            });
          } else seen.set(name.toLowerCase(), role);
        }
      })
      .describe('Role → Jira status name; research and ready_for_training are required, other roles may be added'),
    fields: table(
      {
        model_name: customFieldId('the model name').describe('Custom field with the model name; absent → a slug of the summary'),
        team: customFieldId('the team').describe('Custom field with the team; absent → the first component'),
        model_type: customFieldId('the model type').describe('Custom field with the model type; absent → defaults.model_type'),
        reviewers: customFieldId('the reviewers (a multi-user picker)').describe(
          'Multi-user picker custom field the robot fills with the chosen reviewers ("Reviewers"); absent → reviewers are named in the comment only',
        ),
        required_reviewers: customFieldId('the required reviewers (a multi-user picker)').describe(
          'Multi-user picker custom field the robot fills with the reviewers whose approval is required ("Required reviewers"); absent → named in the comment only',
        ),
      },
      'add [jira.fields] with custom field ids, or leave it out',
    )
      .prefault({})
      .describe('Custom fields carrying the model request, and the reviewer fields the robot sets; all optional'),
  },
  'add a [jira] table with project, issue_type and [jira.statuses]',
).describe('The Jira project and workflow');

const githubSchema = table(
  {
    org: z
      .string({ error: expecting('a GitHub organisation login', 'set it to the organisation that owns model repositories, e.g. "acme-ml"') })
      .regex(GITHUB_LOGIN)
      .describe('Organisation the model repositories are created in'),
    template: z
      .string({ error: expecting('"owner/name"', 'set it to the template repository, e.g. "acme-ml/ml-model-template"') })
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/)
      .describe('Template repository (owner/name) new model repositories are generated from'),
    private: z.boolean({ error: expecting('true or false', 'write private = true (no quotes)') }).default(true).describe('Create private repositories'),
    topics: z
      .array(
        z
          .string({ error: expecting('a GitHub topic', 'topics are lowercase letters, digits and dashes, at most 50 characters, e.g. "ml-model"') })
          .regex(/^[a-z0-9][a-z0-9-]{0,49}$/),
        { error: expecting('an array of topics', 'e.g. topics = ["ml-model"]') },
      )
      .max(20)
      .default(['ml-model'])
      .describe('Topics set on each model repository'),
    team_permission: z
      .enum(['pull', 'triage', 'push', 'maintain', 'admin'], {
        error: expecting('one of pull, triage, push, maintain, admin', 'the team usually needs "push" to work in the repository'),
      })
      .default('push')
      .describe("Permission the model's team gets on the repository"),
    release_branch: z
      .string({ error: expecting('a git branch name', 'name the branch reviewed models are merged into, e.g. "release"') })
      .refine(isValidBranchName, {
        error: expecting('a valid git branch name', 'letters, digits, "-", "_", "." and "/" between names; no spaces, "..", "~^:?*[\\", "@{", and no "/" or "." at the ends, e.g. "release"'),
      })
      .default('release')
      .describe('Branch a reviewed model is promoted into: the review pull request merges the default branch into it; created from the first commit when missing'),
    branch_protection: table(
      {
        enabled: z.boolean({ error: expecting('true or false', 'write enabled = true (no quotes)') }).default(true).describe('Protect the default branch'),
        required_approvals: z
          .number({ error: expecting('a whole number from 0 to 6', 'GitHub allows 0–6 required approving reviews') })
          .int()
          .min(0)
          .max(6)
          .default(2)
          .describe('Approving reviews required to merge'),
        required_status_checks: z
          .array(nonEmpty('a status check name', 'use the check name as GitHub shows it on a pull request'), {
            error: expecting('an array of check names', 'e.g. required_status_checks = ["build"]'),
          })
          .default([])
          .describe('Status checks that must pass before merging'),
      },
      'add [github.branch_protection] or leave it out',
    )
      .prefault({})
      .describe('Protection of the default branch'),
  },
  'add a [github] table with org and template',
).describe('Where and how model repositories are created');

const jupyterhubSchema = table(
  {
    enabled: z.boolean({ error: expecting('true or false', 'write enabled = true (no quotes)') }).default(false).describe('Start a research server for the developer'),
    server_name: z
      .string({ error: expecting('a server name of letters, digits, ".", "_" or "-"', 'e.g. "research"') })
      .max(255)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .default('research')
      .describe('Name of the named server started for the developer'),
    username_from: z
      .enum(['email_local_part', 'jira_name'], {
        error: expecting('"email_local_part" or "jira_name"', 'choose how the JupyterHub user name follows from the Jira developer'),
      })
      .default('email_local_part')
      .describe('JupyterHub user: the part of the e-mail before "@", or the Jira Data Center user name'),
  },
  'add [jupyterhub] or leave it out',
).describe('Research servers on JupyterHub');

const teamSchema = table(
  {
    name: nonEmpty('a team name', 'write the team as it appears on the ticket (component or Team field), e.g. "search"').describe(
      'Team name as it appears on the ticket: a component or the Team field value',
    ),
    github_team: z
      .string({ error: expecting('a GitHub team slug', 'use the slug from the team address github.com/orgs/<org>/teams/<slug>, e.g. "ml-search"') })
      .regex(/^[a-z0-9][a-z0-9_-]*$/)
      .describe('Slug of the team in github.org that gets access to the repository'),
    slack_channel: z
      .string({
        error: expecting(
          'a Slack channel id such as "C0123456789"',
          'open the channel in Slack → channel details; the Channel ID (C… or G…) is at the bottom; a #name does not work',
        ),
      })
      .regex(/^[CG][A-Z0-9]{8,}$/)
      .describe("Id of the team's Slack channel (C… or G…)"),
    maintainers: z
      .array(githubLogin, { error: expecting('at least one GitHub login', 'list who maintains the team\'s models, e.g. maintainers = ["alice"]') })
      .min(1)
      .describe('GitHub logins of maintainers; one of them reviews each model'),
  },
  'each [[teams]] entry is a table with name, github_team, slack_channel and maintainers',
);

const defaultsSchema = table(
  {
    model_type: modelTypeSchema.default('classification').describe('model_type when the ticket gives none'),
    python_version: pythonVersionSchema.default('3.11').describe('runtime.python_version of new models'),
    train_dataset_name: datasetNameSchema.optional().describe('dvc.train_dataset_name of new models; absent → "<model_name>-train"'),
    inference_resources: table(
      {
        cpu_limit: cpuQuantitySchema.default('500m').describe('inference_resources.cpu_limit of new models'),
        memory_limit: memoryQuantitySchema.default('1Gi').describe('inference_resources.memory_limit of new models'),
      },
      'add [defaults.inference_resources] or leave it out',
    )
      .prefault({})
      .describe('[inference_resources] of new models'),
    train_resources: table(
      {
        memory_limit: memoryQuantitySchema.default('4Gi').describe('train_resources.memory_limit of new models'),
        cpus_number: cpusNumberSchema.default(2).describe('train_resources.cpus_number of new models'),
        gpus_number: gpusNumberSchema.default(0).describe('train_resources.gpus_number of new models: 0 → CPU trainer image'),
      },
      'add [defaults.train_resources] or leave it out',
    )
      .prefault({})
      .describe('[train_resources] of new models'),
    train_metrics: trainMetricsSchema.default({}).describe('[train_metrics] gates new models start with'),
    stat_monitoring: table(
      { sampling_ratio: samplingRatioSchema.default(0.1).describe('stat_monitoring.sampling_ratio of new models') },
      'add [defaults.stat_monitoring] or leave it out',
    )
      .prefault({})
      .describe('[stat_monitoring] of new models'),
  },
  'add [defaults] or leave it out',
).describe('model.toml values of new models that the ticket does not give');

const timingsSchema = table(
  {
    status_reconcile_interval: z
      .string({ error: expecting('an ISO 8601 duration of at least a minute', 'e.g. "PT30M" (30 minutes) or "PT2H"') })
      .refine((text) => (parseIsoDuration(text) ?? 0) >= 60_000)
      .default('PT30M')
      .describe('How often a waiting lifecycle re-reads the ticket status (BPMN timer, ISO 8601 duration)'),
    start_settle: z
      .string({ error: expecting('an ISO 8601 duration of at most a minute', 'e.g. "PT5S" (5 seconds)') })
      .refine((text) => {
        const length = parseIsoDuration(text);
        return length !== undefined && length <= 60_000;
      })
      .default('PT5S')
      .describe(
        'How long a new lifecycle that sees no earlier one for its ticket waits before it looks again and goes on: ' +
          'longer than any lifecycle start takes to commit, so two replicas that started one at the same moment agree which one stays',
      ),
  },
  'add [timings] or leave it out',
).describe('Timers of the BPMN process');

const isoDuration = (expected: string, example: string, minMs: number, maxMs: number = Number.POSITIVE_INFINITY) =>
  z.string({ error: expecting(expected, `e.g. "${example}"`) }).refine((text) => {
    const length = parseIsoDuration(text);
    return length !== undefined && length >= minMs && length <= maxMs;
  });

/** A Jenkins job as its folder path: `ml/train-model` is /job/ml/job/train-model. */
const jenkinsJobPath = z
  .string({ error: expecting('a Jenkins job path such as "ml/train-model"', 'folders and job name joined by "/", as in the job\'s address without the /job/ parts') })
  .regex(/^[^/\s]+(?:\/[^/\s]+)*$/);

const containerImage = (what: string) =>
  z
    .string({ error: expecting('a container image reference', `the ${what} trainer image, e.g. "registry.acme.example/ml/trainer-${what}:3.11"`) })
    .regex(/^[a-z0-9][a-z0-9._\-/:@]*$/i);

const jenkinsSchema = table(
  {
    poll_interval: isoDuration('an ISO 8601 duration from 1 second to 1 hour', 'PT1M', 1_000, 3_600_000)
      .default('PT1M')
      .describe("How often a lifecycle re-reads a build whose end-of-build callback has not come (BPMN timer); bounds how late a lost callback is noticed"),
    console_tail_lines: z
      .number({ error: expecting('a whole number from 0 to 200', 'e.g. 30') })
      .int()
      .min(0)
      .max(200)
      .default(30)
      .describe('Last lines of a failed build\'s console quoted on the ticket'),
  },
  'add [jenkins] or leave it out',
).describe('How the lifecycle waits for Jenkins builds');

const trainingSchema = table(
  {
    job: jenkinsJobPath.default('ml/train-model').describe('Jenkins Pipeline job that trains a model (deploy/jenkins/train.Jenkinsfile)'),
    cpu_image: containerImage('cpu').default('registry.acme.example/ml/trainer-cpu:3.11').describe('Trainer image for models with train_resources.gpus_number = 0'),
    gpu_image: containerImage('gpu').default('registry.acme.example/ml/trainer-gpu:3.11').describe('Trainer image for models with train_resources.gpus_number >= 1'),
    timeout: isoDuration('an ISO 8601 duration from 1 second to 2 days', 'PT2H', 1_000, 172_800_000)
      .default('PT2H')
      .describe('A training build running longer than this (queue included) is aborted and reported'),
    max_attempts: z
      .number({ error: expecting('a whole number from 1 to 100', 'e.g. 5') })
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe('Training attempts one lifecycle may start; raise it to let a lifecycle that used them all train again'),
  },
  'add [training] or leave it out',
).describe('The training stage');

const buildSchema = table(
  {
    job: jenkinsJobPath.default('ml/build-inference').describe(
      "Jenkins Pipeline job that builds and tests a model's inference service (deploy/jenkins/build.Jenkinsfile)",
    ),
    timeout: isoDuration('an ISO 8601 duration from 1 second to 2 days', 'PT1H', 1_000, 172_800_000)
      .default('PT1H')
      .describe('A build running longer than this (queue included) is aborted and reported'),
    max_attempts: z
      .number({ error: expecting('a whole number from 1 to 100', 'e.g. 10') })
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe('Build attempts one lifecycle may start; raise it to let a lifecycle that used them all build again'),
    checks: table(
      {
        coverage_min: coverageMinSchema.default(60).describe("Lowest total line coverage of the tests, in percent, unless model.toml's [build_checks] sets its own"),
        diff_coverage_min: diffCoverageMinSchema
          .default(80)
          .describe("Lowest coverage of the changed lines (diff-cover), in percent, unless model.toml's [build_checks] sets its own"),
        mypy_max_errors: mypyMaxErrorsSchema.default(0).describe("Most mypy errors allowed, unless model.toml's [build_checks] sets its own"),
        format_required: formatRequiredSchema
          .default(true)
          .describe("Whether unformatted code (ruff format --check) fails the build, unless model.toml's [build_checks] says otherwise"),
      },
      'add [build.checks] or leave it out',
    )
      .prefault({})
      .describe("Default thresholds of the build checks; a model's [build_checks] in model.toml overrides each key"),
  },
  'add [build] or leave it out',
).describe('The build and test stage');

/** A PromQL duration such as "1m" or "30s" (https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations). */
const PROMQL_DURATION = /^(?:\d+(?:ms|[smhdwy]))+$/;

const analysisThreshold = (what: string) =>
  z.number({ error: expecting('a number', `e.g. ${what}`) }).refine(Number.isFinite, { error: expecting('a finite number', `e.g. ${what}`) });

const canaryAnalysisQuerySchema = table(
  {
    name: z
      .string({ error: expecting('a query name of letters, digits, "-" or "_"', 'e.g. name = "error-ratio"') })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/)
      .describe('Name of the query, as the messages show it'),
    query: nonEmpty('a PromQL query', 'e.g. query = \'sum(rate(http_requests_total{service="{{service}}",track="{{track}}",code=~"5.."}[{{window}}]))\'')
      .refine((text) => unknownPlaceholders(text).length === 0, {
        error: (issue) =>
          `uses ${unknownPlaceholders(String(issue.input)).map((name) => `{{${name}}}`).join(', ')} — the placeholders are ${QUERY_PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ')}`,
      })
      .describe(
        'PromQL giving one number; placeholders {{service}}, {{window}} (rate_window), {{track}} (the canary\'s track, or the stable one when a threshold compares with it), {{canary}}, {{stable}}',
      ),
    max: analysisThreshold('max = 0.05').optional().describe('The canary value must be at most this'),
    min: analysisThreshold('min = 0.9').optional().describe('The canary value must be at least this'),
    max_above_stable: analysisThreshold('max_above_stable = 0.01').pipe(z.number().min(0, { error: 'is negative — the canary may be this much above stable, 0 or more' })).optional().describe(
      'The canary value must be at most the stable version\'s plus this, e.g. 0.01 for an error ratio',
    ),
    max_ratio_to_stable: analysisThreshold('max_ratio_to_stable = 1.2')
      .pipe(z.number().positive({ error: 'is not above 0 — the canary may be this many times the stable value, e.g. 1.2' }))
      .optional()
      .describe('The canary value must be at most the stable version\'s times this, e.g. 1.2 for p99 latency'),
  },
  'each [[delivery.canary.analysis.queries]] entry is a table with name, query and a threshold',
).superRefine((query, ctx) => {
  if ([query.max, query.min, query.max_above_stable, query.max_ratio_to_stable].every((bound) => bound === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: `query "${query.name}" has no threshold — add max, min, max_above_stable or max_ratio_to_stable` });
  }
});

/** `[delivery.canary.analysis]`: the automated analysis during the canary's stabilisation window. */
const canaryAnalysisSchema = table(
  {
    interval: isoDuration('an ISO 8601 duration from 1 second to 1 hour', 'PT30S', 1_000, 3_600_000)
      .default('PT30S')
      .describe('How often the analysis runs its queries during the stabilisation window (BPMN timer)'),
    rate_window: z
      .string({ error: expecting('a PromQL duration such as "1m"', 'e.g. rate_window = "1m": the range of the rate() windows, {{window}} in the queries') })
      .regex(PROMQL_DURATION)
      .default('1m')
      .describe('Range of the rate() windows in the queries ({{window}}), a PromQL duration'),
    failure_limit: z
      .number({ error: expecting('a whole number from 0 to 100', 'e.g. failure_limit = 1: a query may fail once; the second failure rolls the canary back') })
      .int()
      .min(0)
      .max(100)
      .default(1)
      .describe('Failed samples a query may have; one more fails the analysis and rolls the canary back'),
    min_samples: z
      .number({ error: expecting('a whole number from 1 to 1000', 'e.g. min_samples = 5') })
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('Samples passing every query needed for a pass; no data never counts as one'),
    queries: z
      .array(canaryAnalysisQuerySchema, { error: expecting('[[delivery.canary.analysis.queries]] entries', 'add one table per query, or leave them out for the defaults') })
      .superRefine((queries, ctx) => {
        const seen = new Set<string>();
        queries.forEach((query, index) => {
          if (seen.has(query.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${query.name}" names two queries — query names must be unique` });
          seen.add(query.name);
        });
      })
      .default([])
      .describe("The queries and their thresholds; none → the defaults: the canary's error ratio at most stable + 0.01, its p99 latency at most stable × 1.2"),
  },
  'add [delivery.canary.analysis] or leave it out',
).describe('Automated canary analysis on Prometheus');

/** A URL pattern with `{model}` (the model name) and optionally `{issue}` (the Jira key) for a deployed service. */
const urlPattern = (what: string, example: string) =>
  z
    .string({ error: expecting(`a URL pattern of the ${what}`, `e.g. "${example}"; {model} becomes the model name, {issue} the Jira key`) })
    .refine((text) => {
      try {
        return /^https?:$/.test(new URL(text.replaceAll('{model}', 'model').replaceAll('{issue}', 'MLM-1')).protocol);
      } catch {
        return false;
      }
    });

/** A decider: a GitHub login (mapped through [reviewers.slack_users]) or an e-mail (looked up in Slack). */
const personRef = z
  .string({ error: expecting('a GitHub login or an e-mail address', 'e.g. approvers = ["carol", "dave@acme.example"]') })
  .refine((text) => GITHUB_LOGIN.test(text) || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text));

const deliverySchema = table(
  {
    job: jenkinsJobPath.default('ml/deploy-inference').describe(
      'Jenkins Pipeline job that deploys the inference service (deploy/jenkins/deploy.Jenkinsfile); its MODE parameter is staging, canary, promote or rollback',
    ),
    timeout: isoDuration('an ISO 8601 duration from 1 second to 1 day', 'PT30M', 1_000, 86_400_000)
      .default('PT30M')
      .describe('A deploy build running longer than this (queue included) is aborted and the deployment counts as failed'),
    staging: table(
      {
        service_url: urlPattern('staging service', 'https://{model}.staging.ml.example.com')
          .default('https://{model}.staging.ml.example.com')
          .describe('Address of the staging service the functional requests go to; a deploy build that reports service_url in its callback wins'),
        health_url: urlPattern('staging health check', 'https://{model}.staging.ml.example.com/health')
          .default('https://{model}.staging.ml.example.com/health')
          .describe('Health check of the staging service (GET, 2xx is good); a deploy build that reports health_url in its callback wins'),
        health_consecutive: z
          .number({ error: expecting('a whole number from 1 to 100', 'e.g. 3') })
          .int()
          .min(1)
          .max(100)
          .default(3)
          .describe('Good health answers in a row that make the staging service healthy'),
        health_deadline: isoDuration('an ISO 8601 duration from 1 second to 1 hour', 'PT5M', 1_000, 3_600_000)
          .default('PT5M')
          .describe('The staging service must be healthy within this time after its deployment, or staging fails'),
        health_interval: isoDuration('an ISO 8601 duration from 0.1 second to 5 minutes', 'PT10S', 100, 300_000)
          .default('PT10S')
          .describe('Time between two health probes (BPMN timer)'),
        request_timeout: isoDuration('an ISO 8601 duration from 0.1 second to 5 minutes', 'PT10S', 100, 300_000)
          .default('PT10S')
          .describe('Longest wait for one answer of the staging service (health probe or functional request)'),
        functional_tolerance: z
          .number({ error: expecting('a number from 0 to 1', 'e.g. 1e-6') })
          .min(0)
          .max(1)
          .default(1e-6)
          .describe('Largest difference allowed between a number in an answer and the expected one in *_response.json'),
      },
      'add [delivery.staging] or leave it out',
    )
      .prefault({})
      .describe('The staging deployment and its checks'),
    canary: table(
      {
        weight: z
          .number({ error: expecting('a whole percentage from 1 to 99', 'e.g. weight = 10') })
          .int()
          .min(1)
          .max(99)
          .default(10)
          .describe('Share of production traffic, in percent, the canary gets'),
        window: isoDuration('an ISO 8601 duration from 1 second to 1 day', 'PT3M', 1_000, 86_400_000)
          .default('PT3M')
          .describe('Stabilisation window: the automated analysis runs during it, and Approve becomes available when it ends'),
        reminder_after: isoDuration('an ISO 8601 duration from 1 second to 7 days', 'PT1H', 1_000, 604_800_000)
          .default('PT1H')
          .describe('After the window, time until the deciders are reminded that the canary waits for them'),
        decision_deadline: isoDuration('an ISO 8601 duration from 1 second to 7 days', 'PT4H', 1_000, 604_800_000)
          .default('PT4H')
          .describe('After the window, time until an undecided canary is rolled back automatically; longer than reminder_after'),
        approvers: z
          .array(personRef, { error: expecting('an array of GitHub logins or e-mails', 'e.g. approvers = ["carol"]') })
          .default([])
          .describe("People allowed to Approve or Reject every canary besides the model's maintainers: GitHub logins or e-mails"),
        developer_may_approve: z
          .boolean({ error: expecting('true or false', 'write developer_may_approve = false (no quotes)') })
          .default(false)
          .describe("Whether the ticket's developer may decide on their own model's canary"),
        grafana_dashboard_url: urlPattern('Grafana dashboard', 'https://grafana.ml.example.com/d/inference?var-model={model}')
          .default('https://grafana.ml.example.com/d/inference?var-model={model}')
          .describe('Grafana dashboard of the model service, linked from the canary message'),
        analysis: canaryAnalysisSchema.prefault({}).describe('Automated canary analysis on Prometheus'),
      },
      'add [delivery.canary] or leave it out',
    )
      .prefault({})
      .superRefine((canary, ctx) => {
        const reminder = parseIsoDuration(canary.reminder_after);
        const deadline = parseIsoDuration(canary.decision_deadline);
        if (reminder !== undefined && deadline !== undefined && deadline <= reminder) {
          ctx.addIssue({
            code: 'custom',
            path: ['decision_deadline'],
            message: `is "${canary.decision_deadline}", not longer than reminder_after ("${canary.reminder_after}") — the deciders are reminded before the canary is rolled back`,
          });
        }
      })
      .describe('The canary in production and its decision'),
    cockpit_url: z
      .url({ error: expecting('the address of Camunda Cockpit', 'e.g. "https://camunda.acme.example/camunda/app/cockpit/default"') })
      .optional()
      .describe("Cockpit's address for links to a lifecycle; absent → derived from the engine address (<engine>/camunda/app/cockpit/default)"),
  },
  'add [delivery] or leave it out',
).describe('The delivery stage: staging, canary, production');

/** A date as TOML writes it (`2025-03-10`, no quotes) or as a quoted "YYYY-MM-DD", read as "YYYY-MM-DD". */
const CALENDAR_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const calendarDate = (fix: string) =>
  z
    .union([z.string(), z.date()], { error: expecting('a date such as 2025-03-10', fix) })
    .transform((value) => (typeof value === 'string' ? value : value.toISOString().slice(0, 10)))
    .pipe(z.string().regex(CALENDAR_DATE, { error: expecting('a date such as 2025-03-10', fix) }));

const workingDuration = (example: string) =>
  z
    .string({
      error: expecting(
        'an ISO 8601 duration of working time with days, hours, minutes or seconds',
        `e.g. "${example}"; P1D is one working day of [working_calendar], PT4H four working hours; years and months are not allowed`,
      ),
    })
    .refine((text) => {
      const length = parseWorkingDuration(text);
      return length !== undefined && (length.days > 0 || length.ms > 0);
    });

const slackUserId = z
  .string({
    error: expecting('a Slack user id such as "U0123456789"', "open the person's Slack profile → ⋯ → Copy member ID (U… or W…); a @name or an e-mail does not work"),
  })
  .regex(/^[UW][A-Z0-9]{8,}$/);

const reviewersSchema = table(
  {
    pool: z
      .array(githubLogin, { error: expecting('an array of GitHub logins', 'e.g. pool = ["carol", "dave"]') })
      .default([])
      .describe('GitHub logins of the whole ML reviewer pool; the second reviewer comes from here'),
    maintainer_sources: z
      .array(
        z.enum(['team', 'codeowners', 'repository'], {
          error: expecting('"team", "codeowners" or "repository"', 'list where maintainers come from, e.g. maintainer_sources = ["team", "codeowners"]'),
        }),
        { error: expecting('an array of maintainer sources', 'e.g. maintainer_sources = ["team", "codeowners", "repository"]') },
      )
      .min(1, { error: 'is empty — list at least one of "team", "codeowners", "repository", or remove the key' })
      .refine((sources) => new Set(sources).size === sources.length, { error: 'names a source twice — list each source once' })
      .default(['team', 'codeowners', 'repository'])
      .describe(
        'Where the required reviewer (a maintainer) comes from, tried in order: team ([[teams]] maintainers), codeowners (CODEOWNERS of the model repository), repository (its maintainers on GitHub)',
      ),
    unavailable: z
      .array(
        table(
          {
            login: githubLogin.describe('GitHub login of the person away'),
            from: calendarDate('write the first day away, e.g. from = 2025-03-10').describe('First day away, inclusive'),
            to: calendarDate('write the last day away, e.g. to = 2025-03-14').describe('Last day away, inclusive'),
          },
          'each [[reviewers.unavailable]] entry is a table with login, from and to',
        ).superRefine((period, ctx) => {
          if (CALENDAR_DATE.test(period.from) && CALENDAR_DATE.test(period.to) && period.to < period.from) {
            ctx.addIssue({ code: 'custom', path: ['to'], message: `is ${period.to}, before from (${period.from}) — the last day away comes on or after the first` });
          }
        }),
        { error: expecting('[[reviewers.unavailable]] entries', 'add one table per absence: login, from and to') },
      )
      .default([])
      .describe('Absences: nobody is asked to review on a day from..to (inclusive) of one of their entries'),
    slack_users: z
      .record(githubLogin, slackUserId, {
        error: expecting('a table of GitHub login = Slack user id', 'e.g. [reviewers.slack_users] with alice = "U0123456789"'),
      })
      .default({})
      .describe('Slack user id per GitHub login, for reviewers whose e-mail does not lead to their Slack account'),
    remind_after: workingDuration('P1D')
      .default('P1D')
      .describe('Working time after which a reviewer who has not reviewed is reminded (ISO 8601, P1D = one working day)'),
    reassign_after: workingDuration('P2D')
      .default('P2D')
      .describe('Working time after which a reviewer who has not reviewed is replaced by the next eligible one (ISO 8601)'),
    platform_channel: z
      .string({
        error: expecting(
          'a Slack channel id such as "C0123456789"',
          'open the ML platform channel in Slack → channel details; the Channel ID (C… or G…) is at the bottom; a #name does not work',
        ),
      })
      .regex(/^[CG][A-Z0-9]{8,}$/)
      .optional()
      .describe("Slack channel of the ML platform team, told when nobody can review a model; absent → the model team's channel"),
    dashboard_url: z
      .url({ error: expecting('an https:// address', 'paste the address of the Jira dashboard of ML models, e.g. "https://acme.atlassian.net/jira/dashboards/10001"') })
      .optional()
      .describe('The Jira dashboard of ML models, the "Dashboard in Jira" button of the reviewers\' messages; absent → no such button'),
  },
  'add [reviewers] or leave it out',
).describe('Reviewer assignment');

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const workingCalendarSchema = table(
  {
    time_zone: z
      .string({ error: expecting('an IANA time zone', 'e.g. "Europe/Berlin" or "UTC"') })
      .refine(isTimeZone)
      .default('UTC')
      .describe('Time zone of the working hours, e.g. "Europe/Berlin"'),
    days: z
      .array(z.number({ error: expecting('a day number from 1 (Monday) to 7 (Sunday)', 'e.g. days = [1, 2, 3, 4, 5] for Monday to Friday') }).int().min(1).max(7), {
        error: expecting('an array of day numbers', 'e.g. days = [1, 2, 3, 4, 5] for Monday to Friday'),
      })
      .min(1, { error: 'is empty — list at least one working day, e.g. days = [1, 2, 3, 4, 5]' })
      .refine((days) => new Set(days).size === days.length, { error: 'names a day twice — list each day once' })
      .default([1, 2, 3, 4, 5])
      .describe('Working days, 1 = Monday … 7 = Sunday'),
    start: z
      .string({ error: expecting('a time "HH:MM"', 'e.g. start = "09:00"') })
      .regex(HH_MM)
      .default('09:00')
      .describe('Start of the working day, local time "HH:MM"'),
    end: z
      .string({ error: expecting('a time "HH:MM"', 'e.g. end = "18:00"') })
      .regex(HH_MM)
      .default('18:00')
      .describe('End of the working day, local time "HH:MM", after start'),
    holidays: z
      .array(calendarDate('write the date, e.g. holidays = [2025-12-25]'), { error: expecting('an array of dates', 'e.g. holidays = [2025-12-25, 2025-12-26]') })
      .default([])
      .describe('Dates nobody works, e.g. public holidays'),
  },
  'add [working_calendar] or leave it out',
).superRefine((calendar, ctx) => {
  if (HH_MM.test(calendar.start) && HH_MM.test(calendar.end) && calendar.end <= calendar.start) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `is "${calendar.end}", not after start ("${calendar.start}") — the working day ends after it starts` });
  }
});

const ms = (expected: string, fix: string) => z.number({ error: expecting(expected, fix) }).int();

const workerSchema = table(
  {
    max_retries: ms('a whole number from 0 to 20', 'technical retries before an incident, e.g. 3').min(0).max(20).default(3).describe(
      'Technical retries of a failed task before it becomes an incident',
    ),
    retry_backoff_ms: ms('a whole number of milliseconds, 0 or more', 'e.g. 10000').min(0).default(10_000).describe(
      'Delay before the first retry; doubled each time',
    ),
    retry_backoff_max_ms: ms('a whole number of milliseconds, 0 or more', 'e.g. 600000').min(0).default(600_000).describe('Longest delay between retries'),
    lock_duration_ms: ms('a whole number of milliseconds, at least 1000', 'e.g. 60000').min(1000).default(60_000).describe(
      'How long a fetched task stays locked to this worker (extended while a handler runs)',
    ),
    max_parallel: ms('a whole number from 1 to 256', 'e.g. 8').min(1).max(256).default(8).describe('Handlers running at once per process'),
    long_poll_ms: ms('a whole number of milliseconds from 1000 to 1800000', 'Camunda 7 holds a long poll at most 30 minutes; e.g. 30000')
      .min(1000)
      .max(1_800_000)
      .default(30_000)
      .describe('Fetch-and-lock long poll; at 30000 an idle worker polls at most twice a minute'),
  },
  'add [worker] or leave it out',
)
  .superRefine((worker, ctx) => {
    if (worker.retry_backoff_max_ms < worker.retry_backoff_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry_backoff_max_ms'],
        message: `is ${worker.retry_backoff_max_ms}, below retry_backoff_ms (${worker.retry_backoff_ms}) — raise it to at least the first delay`,
      });
    }
  })
  .describe('External-task worker tuning');

export const policySchema = table(
  {
    jira: jiraSchema,
    github: githubSchema,
    jupyterhub: jupyterhubSchema.prefault({}).describe('Research servers on JupyterHub'),
    teams: z
      .array(teamSchema, { error: expecting('[[teams]] entries', 'add at least one [[teams]] table with name, github_team, slack_channel and maintainers') })
      .min(1)
      .superRefine((teams, ctx) => {
        const seen = new Map<string, number>();
        teams.forEach((team, index) => {
          const first = seen.get(team.name.toLowerCase());
          if (first === undefined) seen.set(team.name.toLowerCase(), index);
          else {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `"${team.name}" is already the name of teams[${first}] — team names must be unique (ignoring case)`,
            });
          }
        });
      })
      .describe('Teams that own models; a ticket names one of them'),
    reviewers: reviewersSchema.prefault({}).describe('Reviewer assignment'),
    working_calendar: workingCalendarSchema.prefault({}).describe('Working days and hours that review reminders count in'),
    defaults: defaultsSchema.prefault({}).describe('model.toml values of new models that the ticket does not give'),
    timings: timingsSchema.prefault({}).describe('Timers of the BPMN process'),
    jenkins: jenkinsSchema.prefault({}).describe('How the lifecycle waits for Jenkins builds'),
    training: trainingSchema.prefault({}).describe('The training stage'),
    build: buildSchema.prefault({}).describe('The build and test stage'),
    delivery: deliverySchema.prefault({}).describe('The delivery stage: staging, canary, production'),
    worker: workerSchema.prefault({}).describe('External-task worker tuning'),
  },
  'the policy file must be a TOML table',
)
  .superRefine((policy, ctx) => {
    // Compared in working time: P1D is as long as the working day of [working_calendar].
    const dayLength = workingDayLength(policy.working_calendar);
    const { remind_after, reassign_after } = policy.reviewers;
    const remind = parseWorkingDuration(remind_after);
    const reassign = parseWorkingDuration(reassign_after);
    // Only between valid values: a bad one is reported on its own key already.
    if (!remind || !reassign || !(dayLength > 0)) return;
    if (reassign.days * dayLength + reassign.ms <= remind.days * dayLength + remind.ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['reviewers', 'reassign_after'],
        message: `is "${reassign_after}", not longer than remind_after ("${remind_after}") — a reviewer is reminded first and replaced later, e.g. reassign_after = "P2D"`,
      });
    }
  })
  .describe('The policy file: how this organisation runs model lifecycles');

export type Policy = z.infer<typeof policySchema>;
export type Team = Policy['teams'][number];

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; problems: string[] };

/**
 * Reads policy TOML. Every problem is one line naming the file, the key, what was found and the
 * fix, e.g. `config/policy.toml: github.template: expected "owner/name", got "model-template" —
 * set it to the template repository, e.g. "acme-ml/ml-model-template"`.
 */
export function parsePolicy(tomlText: string, sourceName: string): PolicyResult {
  const result = readTomlDocument(policySchema, tomlText);
  if (result.ok) return { ok: true, policy: result.value };
  return {
    ok: false,
    problems: result.errors.map((error) => {
      if (error.line !== undefined) {
        return `${sourceName}:${error.line}:${error.column ?? 0}: ${error.message.replace(/^invalid TOML at line \d+, column \d+:/, 'invalid TOML:')}`;
      }
      return error.path === '' ? `${sourceName}: ${error.message}` : `${sourceName}: ${error.path}: ${error.message}`;
    }),
  };
}

const sameName = (a: string, b: string) => a.trim().localeCompare(b.trim(), undefined, { sensitivity: 'accent' }) === 0;

/** The role of a Jira status name in [jira.statuses] (ignoring case), e.g. "ready_for_training". */
export function statusRole(policy: Policy, statusName: string): string | undefined {
  return Object.entries(policy.jira.statuses).find(([, name]) => sameName(name, statusName))?.[0];
}

/** The team in [[teams]] with this name (ignoring case). */
export function findTeam(policy: Policy, name: string): Team | undefined {
  return policy.teams.find((team) => sameName(team.name, name));
}
