import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy, type Policy } from '../../src/config/policy.ts';
import { analysisQueriesFromPolicy, DEFAULT_ANALYSIS_QUERIES } from '../../src/domain/canary-analysis.ts';

const minimal = readFileSync(new URL('../fixtures/policy/minimal.toml', import.meta.url), 'utf8');
const example = readFileSync(new URL('../../config/policy.example.toml', import.meta.url), 'utf8');

function parse(extra: string): ReturnType<typeof parsePolicy> {
  return parsePolicy(`${minimal}\n${extra}`, 'config/policy.toml');
}

function policyOf(extra: string): Policy {
  const result = parse(extra);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.policy;
}

function problemsOf(extra: string): string[] {
  const result = parse(extra);
  return result.ok ? [] : result.problems;
}

describe('[delivery.canary.analysis]', () => {
  it('defaults every key, so a policy without [delivery] works', () => {
    expect(policyOf('').delivery.canary.analysis).toEqual({ interval: 'PT30S', rate_window: '1m', failure_limit: 1, min_samples: 5, queries: [] });
    expect(analysisQueriesFromPolicy(policyOf('').delivery.canary.analysis.queries)).toEqual(DEFAULT_ANALYSIS_QUERIES);
  });

  it('matches the documented defaults of the example policy, whose queries are the defaults written out', () => {
    const analysis = policyOf('').delivery.canary.analysis;
    const documented = example.slice(example.indexOf('[delivery.canary.analysis]'));
    expect(parsePolicy(example, 'example').ok).toBe(true);
    expect(documented).toContain(`interval = "${analysis.interval}"`);
    expect(documented).toContain(`rate_window = "${analysis.rate_window}"`);
    expect(documented).toContain(`failure_limit = ${analysis.failure_limit}`);
    expect(documented).toContain(`min_samples = ${analysis.min_samples}`);
    for (const query of DEFAULT_ANALYSIS_QUERIES) expect(documented).toContain(`# query = '${query.query}'`);
  });

  it('reads queries with their thresholds', () => {
    const analysis = policyOf(`
[delivery.canary.analysis]
interval = "PT15S"
rate_window = "2m30s"
failure_limit = 0
min_samples = 10

[[delivery.canary.analysis.queries]]
name = "error-ratio"
query = 'sum(rate(errors{service="{{service}}",track="{{track}}"}[{{window}}]))'
max = 0.05
max_above_stable = 0.01

[[delivery.canary.analysis.queries]]
name = "cpu"
query = 'max(rate(cpu_seconds_total{track="{{canary}}"}[{{window}}]))'
max_ratio_to_stable = 1.5
min = 0
`).delivery.canary.analysis;
    expect(analysis).toMatchObject({ interval: 'PT15S', rate_window: '2m30s', failure_limit: 0, min_samples: 10 });
    expect(analysisQueriesFromPolicy(analysis.queries)).toEqual([
      { name: 'error-ratio', query: 'sum(rate(errors{service="{{service}}",track="{{track}}"}[{{window}}]))', max: 0.05, maxAboveStable: 0.01 },
      { name: 'cpu', query: 'max(rate(cpu_seconds_total{track="{{canary}}"}[{{window}}]))', min: 0, maxRatioToStable: 1.5 },
    ]);
  });

  it('names each bad key and its fix', () => {
    const problems = problemsOf(`
[delivery.canary.analysis]
interval = "30s"
rate_window = "1 minute"
failure_limit = -1
min_samples = 0
intervl = "PT1M"

[[delivery.canary.analysis.queries]]
name = "errors"
query = 'rate(x{service="{{model}}"}[{{window}}])'

[[delivery.canary.analysis.queries]]
name = "errors"
query = "x"
max_ratio_to_stable = 0
max_above_stable = -0.1
`);
    const byKey = (key: string) => problems.filter((problem) => problem.startsWith(`config/policy.toml: delivery.canary.analysis.${key}: `));
    expect(byKey('interval')[0]).toContain('expected an ISO 8601 duration from 1 second to 1 hour, got "30s" — e.g. "PT30S"');
    expect(byKey('rate_window')[0]).toContain('expected a PromQL duration such as "1m", got "1 minute"');
    expect(byKey('failure_limit')[0]).toContain('got -1');
    expect(byKey('min_samples')[0]).toContain('got 0');
    expect(byKey('intervl')[0]).toContain('did you mean "interval"?');
    expect(byKey('queries[0].query')[0]).toContain('uses {{model}} — the placeholders are {{service}}, {{track}}, {{canary}}, {{stable}}, {{window}}');
    expect(problems.find((problem) => problem.includes('queries[0]') && problem.includes('no threshold'))).toContain(
      'query "errors" has no threshold — add max, min, max_above_stable or max_ratio_to_stable',
    );
    expect(byKey('queries[1].name')[0]).toContain('"errors" names two queries');
    expect(byKey('queries[1].max_ratio_to_stable')[0]).toContain('is not above 0');
    expect(byKey('queries[1].max_above_stable')[0]).toContain('is negative');
  });
});
