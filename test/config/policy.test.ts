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
    expect(policy.reviewers).toEqual({ pool: [] });
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
    expect(statusRole(policy, 'Done')).toBeUndefined();
  });

  it('finds a team by name, ignoring case', () => {
    expect(findTeam(policy, 'Search')?.github_team).toBe('ml-search');
    expect(findTeam(policy, ' pricing ')?.slack_channel).toBe('C0987654321');
    expect(findTeam(policy, 'ads')).toBeUndefined();
  });
});
