import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findTeam, parsePolicy, policySchema, statusRole, type Policy } from '../../src/config/policy.ts';
import { undescribedKeys } from './schema-docs.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/policy/${name}`, import.meta.url), 'utf8');
const example = readFileSync(new URL('../../config/policy.example.toml', import.meta.url), 'utf8');

function policyOf(text: string): Policy {
  const result = parsePolicy(text, 'config/policy.toml');
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.policy;
}

describe('parsePolicy', () => {
  it('accepts the example policy the service falls back to', () => {
    const policy = policyOf(example);
    expect(policy.jira).toMatchObject({ project: 'MLM', issue_type: 'Model', api: 'cloud' });
    expect(policy.github.template).toBe('acme-ml/ml-model-template');
    expect(policy.teams.map((team) => team.name)).toEqual(['search', 'pricing']);
  });

  it('fills in every default of a minimal policy', () => {
    const policy = policyOf(fixture('minimal.toml'));
    expect(policy.jira.api).toBe('cloud');
    expect(policy.jira.fields).toEqual({});
    expect(policy.github).toEqual({
      org: 'acme-ml',
      template: 'acme-ml/ml-model-template',
      private: true,
      topics: ['ml-model'],
      team_permission: 'push',
      release_branch: 'release',
      branch_protection: { enabled: true, required_approvals: 2, required_status_checks: [] },
    });
    expect(policy.jupyterhub).toEqual({ enabled: false, server_name: 'research', username_from: 'email_local_part' });
    expect(policy.reviewers).toEqual({
      pool: [],
      maintainer_sources: ['team', 'codeowners', 'repository'],
      unavailable: [],
      slack_users: {},
      remind_after: 'P1D',
      reassign_after: 'P2D',
    });
    expect(policy.working_calendar).toEqual({ time_zone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', holidays: [] });
    expect(policy.defaults).toEqual({
      model_type: 'classification',
      python_version: '3.11',
      inference_resources: { cpu_limit: '500m', memory_limit: '1Gi' },
      train_resources: { memory_limit: '4Gi', cpus_number: 2, gpus_number: 0 },
      train_metrics: {},
      stat_monitoring: { sampling_ratio: 0.1 },
    });
    expect(policy.timings).toEqual({ status_reconcile_interval: 'PT30M', start_settle: 'PT5S' });
    expect(policy.worker).toEqual({
      max_retries: 3,
      retry_backoff_ms: 10_000,
      retry_backoff_max_ms: 600_000,
      lock_duration_ms: 60_000,
      max_parallel: 8,
      long_poll_ms: 30_000,
    });
  });

  it('lists every problem of a file at once, each naming the key, the value and the fix', () => {
    const result = parsePolicy(fixture('many-problems.toml'), 'config/policy.toml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContain(
      'config/policy.toml: github.template: expected "owner/name", got "model-template" — set it to the template repository, e.g. "acme-ml/ml-model-template"',
    );
    const byKey = (key: string) => result.problems.find((problem) => problem.startsWith(`config/policy.toml: ${key}: `));
    expect(byKey('jira.project')).toContain('project keys are uppercase: "MLM"');
    expect(byKey('jira.api')).toContain('got "server"');
    expect(byKey('jira.fields.team')).toContain('customfield_10100');
    expect(byKey('github.privte')).toBe('config/policy.toml: github.privte: unknown key — did you mean "private"?');
    expect(byKey('github.topics[0]')).toContain('got "ML Model"');
    expect(byKey('github.team_permission')).toContain('pull, triage, push, maintain, admin');
    expect(byKey('github.branch_protection.required_approvals')).toContain('got 7');
    expect(byKey('teams[0].slack_channel')).toContain('got "#ml-search"');
    expect(byKey('teams[0].maintainers')).toContain('at least one GitHub login');
    expect(byKey('teams[1].name')).toContain('already the name of teams[0]');
    expect(byKey('defaults.python_version')).toContain('quote it');
    expect(byKey('defaults.inference_resources.cpu_limit')).toContain('"512m" for 512 millicores');
    expect(byKey('defaults.inference_resources.memory_limit')).toContain('lowercase "m"');
    expect(byKey('defaults.train_metrics.recall.min')).toContain('greater than max 0.5');
    expect(byKey('timings.status_reconcile_interval')).toContain('"PT30M"');
    expect(byKey('worker.retry_backoff_max_ms')).toContain('below retry_backoff_ms');
    // Nothing else, and nothing twice.
    expect(result.problems).toHaveLength(17);
  });

  it('reports a TOML syntax error with its line and column', () => {
    const result = parsePolicy(fixture('syntax-error.toml'), 'config/policy.toml');
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/^config\/policy\.toml:3:\d+: invalid TOML: .*issue_type = Model/)] });
  });

  it('names each missing required table of an empty file', () => {
    expect(parsePolicy('', 'p.toml')).toEqual({
      ok: false,
      problems: [
        'p.toml: jira: is required — add a [jira] table with project, issue_type and [jira.statuses]',
        'p.toml: github: is required — add a [github] table with org and template',
        'p.toml: teams: is required — add at least one [[teams]] table with name, github_team, slack_channel and maintainers',
      ],
    });
  });

  it('lists the allowed keys when an unknown one is not close to any', () => {
    const result = parsePolicy(`${fixture('minimal.toml')}\n[worker]\nconcurrency = 4\n`, 'p.toml');
    expect(result).toEqual({
      ok: false,
      problems: [
        'p.toml: worker.concurrency: unknown key — remove it; the keys allowed here are: max_retries, retry_backoff_ms, retry_backoff_max_ms, lock_duration_ms, max_parallel, long_poll_ms',
      ],
    });
  });

  it('rejects two roles with the same status, which the process could not tell apart', () => {
    const text = fixture('minimal.toml').replace('ready_for_training = "Ready for training"', 'ready_for_training = "research"');
    const result = parsePolicy(text, 'p.toml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.stringContaining('p.toml: jira.statuses.ready_for_training: is "research", the same status as research')]);
  });

  it('describes every key', () => {
    expect(undescribedKeys(policySchema)).toEqual([]);
  });

  it('fills in the build stage and the default thresholds of its checks', () => {
    expect(policyOf(fixture('minimal.toml')).build).toEqual({
      job: 'ml/build-inference',
      timeout: 'PT1H',
      max_attempts: 10,
      checks: { coverage_min: 60, diff_coverage_min: 80, mypy_max_errors: 0, format_required: true },
    });
    expect(policyOf(example).build).toEqual(policyOf(fixture('minimal.toml')).build);
    const own = policyOf(`${fixture('minimal.toml')}\n[build]\njob = "ml/inference/build"\n\n[build.checks]\ncoverage_min = 75.5\nformat_required = false\n`);
    expect(own.build).toEqual({
      job: 'ml/inference/build',
      timeout: 'PT1H',
      max_attempts: 10,
      checks: { coverage_min: 75.5, diff_coverage_min: 80, mypy_max_errors: 0, format_required: false },
    });
  });

  it('names build.checks.<key> and the fix of every bad build value', () => {
    const text = `${fixture('minimal.toml')}
[build]
job = "/ml/build"
timeout = "1h"
max_attempts = 0

[build.checks]
coverage_min = 160
diff_coverage_min = "80%"
mypy_max_errors = -1
format_required = "true"
mypy_max_error = 2
`;
    const result = parsePolicy(text, 'p.toml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.stringMatching(/^p\.toml: build\.job: expected a Jenkins job path such as "ml\/train-model", got "\/ml\/build" — /),
      'p.toml: build.timeout: expected an ISO 8601 duration from 1 second to 2 days, got "1h" — e.g. "PT1H"',
      'p.toml: build.max_attempts: expected a whole number from 1 to 100, got 0 — e.g. 10',
      'p.toml: build.checks.coverage_min: expected a percentage from 0 to 100, got 160 — e.g. coverage_min = 60 (a percent, not a fraction)',
      'p.toml: build.checks.diff_coverage_min: expected a percentage from 0 to 100, got "80%" — e.g. diff_coverage_min = 80 (a percent, not a fraction)',
      'p.toml: build.checks.mypy_max_errors: expected a whole number, 0 or more, got -1 — e.g. mypy_max_errors = 0 (no type error allowed)',
      'p.toml: build.checks.format_required: expected true or false, got "true" — write format_required = true (no quotes)',
      'p.toml: build.checks.mypy_max_error: unknown key — did you mean "mypy_max_errors"?',
    ]);
  });

  it('takes a valid git branch name as github.release_branch and names the fix of an invalid one', () => {
    const withRelease = (name: string) => fixture('minimal.toml').replace('[github]', `[github]\nrelease_branch = ${JSON.stringify(name)}`);
    expect(policyOf(withRelease('releases/models')).github.release_branch).toBe('releases/models');
    for (const bad of ['release candidate', 'release..1', '/release', 'release/', 'release.lock', '.release', 'rel~1', '']) {
      const result = parsePolicy(withRelease(bad), 'config/policy.toml');
      expect(result.ok, bad).toBe(false);
      if (result.ok) continue;
      expect(result.problems.join('\n'), bad).toContain('config/policy.toml: github.release_branch: expected a valid git branch name');
    }
  });

  it('reads reviewer sources, absences, Slack ids, reminder times and the working calendar', () => {
    const policy = policyOf(
      `${fixture('minimal.toml')}
[reviewers]
pool = ["carol", "dave"]
maintainer_sources = ["codeowners", "team"]
remind_after = "PT4H"
reassign_after = "P1DT4H"

[[reviewers.unavailable]]
login = "carol"
from = 2025-08-04
to = 2025-08-15

[[reviewers.unavailable]]
login = "dave"
from = "2025-12-24"
to = "2025-12-24"

[reviewers.slack_users]
dave = "U0123456789"

[working_calendar]
time_zone = "Europe/Berlin"
days = [1, 2, 3, 4]
start = "08:30"
end = "17:00"
holidays = [2025-12-25, "2025-12-26"]
`,
    );
    expect(policy.reviewers).toEqual({
      pool: ['carol', 'dave'],
      maintainer_sources: ['codeowners', 'team'],
      remind_after: 'PT4H',
      reassign_after: 'P1DT4H',
      unavailable: [
        { login: 'carol', from: '2025-08-04', to: '2025-08-15' },
        { login: 'dave', from: '2025-12-24', to: '2025-12-24' },
      ],
      slack_users: { dave: 'U0123456789' },
    });
    expect(policy.working_calendar).toEqual({ time_zone: 'Europe/Berlin', days: [1, 2, 3, 4], start: '08:30', end: '17:00', holidays: ['2025-12-25', '2025-12-26'] });
  });

  it('names the key and the fix of every bad reviewer or calendar value', () => {
    const result = parsePolicy(
      `${fixture('minimal.toml')}
[reviewers]
maintainer_sources = ["team", "owners", "team"]
remind_after = "P1M"
reassign_after = "PT0S"
slack_users = { dave = "@dave" }

[[reviewers.unavailable]]
login = "carol"
from = 2025-08-15
to = 2025-08-04

[[reviewers.unavailable]]
login = "dave"
from = "next monday"
to = 2025-08-04

[working_calendar]
time_zone = "Mars/Olympus"
days = [0, 5]
start = "9:00"
end = "18:00"
holidays = ["25.12.2025"]
`,
      'p.toml',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'p.toml: reviewers.maintainer_sources[1]: expected "team", "codeowners" or "repository", got "owners" — list where maintainers come from, e.g. maintainer_sources = ["team", "codeowners"]',
      'p.toml: reviewers.unavailable[0].to: is 2025-08-04, before from (2025-08-15) — the last day away comes on or after the first',
      expect.stringMatching(/^p\.toml: reviewers\.unavailable\[1\]\.from: expected a date such as 2025-03-10, got "next monday" — write the first day away/),
      'p.toml: reviewers.slack_users.dave: expected a Slack user id such as "U0123456789", got "@dave" — open the person\'s Slack profile → ⋯ → Copy member ID (U… or W…); a @name or an e-mail does not work',
      expect.stringMatching(/^p\.toml: reviewers\.remind_after: expected an ISO 8601 duration of working time .* got "P1M" — e\.g\. "P1D"; .*years and months are not allowed$/),
      expect.stringMatching(/^p\.toml: reviewers\.reassign_after: expected an ISO 8601 duration of working time .* got "PT0S"/),
      'p.toml: working_calendar.time_zone: expected an IANA time zone, got "Mars/Olympus" — e.g. "Europe/Berlin" or "UTC"',
      expect.stringMatching(/^p\.toml: working_calendar\.days\[0\]: expected a day number from 1 \(Monday\) to 7 \(Sunday\), got 0/),
      'p.toml: working_calendar.start: expected a time "HH:MM", got "9:00" — e.g. start = "09:00"',
      'p.toml: working_calendar.holidays[0]: expected a date such as 2025-03-10, got "25.12.2025" — write the date, e.g. holidays = [2025-12-25]',
    ]);
  });

  it('says when an absence ends before it starts, a source is named twice, or the working day ends before it starts', () => {
    const problems = (text: string) => {
      const result = parsePolicy(`${fixture('minimal.toml')}\n${text}`, 'p.toml');
      return result.ok ? [] : result.problems;
    };
    expect(problems('[[reviewers.unavailable]]\nlogin = "carol"\nfrom = 2025-08-15\nto = 2025-08-04')).toEqual([
      'p.toml: reviewers.unavailable[0].to: is 2025-08-04, before from (2025-08-15) — the last day away comes on or after the first',
    ]);
    expect(problems('[reviewers]\nmaintainer_sources = ["team", "team"]')).toEqual(['p.toml: reviewers.maintainer_sources: names a source twice — list each source once']);
    expect(problems('[reviewers]\nmaintainer_sources = []')).toEqual([
      'p.toml: reviewers.maintainer_sources: is empty — list at least one of "team", "codeowners", "repository", or remove the key',
    ]);
    expect(problems('[working_calendar]\nstart = "18:00"\nend = "09:00"')).toEqual([
      'p.toml: working_calendar.end: is "09:00", not after start ("18:00") — the working day ends after it starts',
    ]);
    expect(problems('[working_calendar]\ndays = []')).toEqual(['p.toml: working_calendar.days: is empty — list at least one working day, e.g. days = [1, 2, 3, 4, 5]']);
  });

  it('wants reviewers replaced later than they are reminded, in working time', () => {
    const problems = (text: string) => {
      const result = parsePolicy(`${fixture('minimal.toml')}\n${text}`, 'p.toml');
      return result.ok ? [] : result.problems;
    };
    expect(problems('[reviewers]\nremind_after = "P2D"\nreassign_after = "P1D"')).toEqual([
      'p.toml: reviewers.reassign_after: is "P1D", not longer than remind_after ("P2D") — a reviewer is reminded first and replaced later, e.g. reassign_after = "P2D"',
    ]);
    // One working day of 09:00–18:00 is nine working hours, so PT10H is the longer.
    expect(problems('[reviewers]\nremind_after = "P1D"\nreassign_after = "PT10H"')).toEqual([]);
    expect(problems('[reviewers]\nremind_after = "P1D"\nreassign_after = "PT9H"')).toHaveLength(1);
  });

  it('accepts further status roles for the process', () => {
    const policy = policyOf(fixture('minimal.toml').replace('[github]', 'done = "Done"\n\n[github]'));
    expect(policy.jira.statuses).toEqual({ research: 'Research', ready_for_training: 'Ready for training', done: 'Done' });
  });
});

describe('statusRole and findTeam', () => {
  const policy = policyOf(example);

  it('finds the role of a status name, ignoring case', () => {
    expect(statusRole(policy, 'Ready for training')).toBe('ready_for_training');
    expect(statusRole(policy, 'READY FOR TRAINING')).toBe('ready_for_training');
    expect(statusRole(policy, 'research')).toBe('research');
    expect(statusRole(policy, 'Done')).toBe('done');
    expect(statusRole(policy, 'Closed')).toBeUndefined();
  });

  it('finds a team by name, ignoring case', () => {
    expect(findTeam(policy, 'Search')?.github_team).toBe('ml-search');
    expect(findTeam(policy, ' pricing ')?.slack_channel).toBe('C0987654321');
    expect(findTeam(policy, 'ads')).toBeUndefined();
  });
});
