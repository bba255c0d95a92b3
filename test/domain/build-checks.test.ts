import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy, type Policy } from '../../src/config/policy.ts';
import { effectiveBuildChecks, effectiveBuildChecksSchema } from '../../src/domain/build-checks.ts';
import { parseModelToml, type ModelToml } from '../../src/domain/model-toml.ts';

const policyText = readFileSync(new URL('../fixtures/policy/minimal.toml', import.meta.url), 'utf8');
const modelText = readFileSync(new URL('../fixtures/model-toml/valid.toml', import.meta.url), 'utf8');

function policy(extra = ''): Policy {
  const result = parsePolicy(`${policyText}\n${extra}`, 'p.toml');
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.policy;
}

function model(extra = ''): ModelToml {
  const result = parseModelToml(`${modelText}\n${extra}`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe('effectiveBuildChecks', () => {
  it("takes every threshold from the policy's defaults when model.toml has no [build_checks]", () => {
    const checks = effectiveBuildChecks(model(), policy());
    expect(checks).toEqual({
      coverageMin: 60,
      diffCoverageMin: 80,
      mypyMaxErrors: 0,
      formatRequired: true,
      source: { coverageMin: 'policy', diffCoverageMin: 'policy', mypyMaxErrors: 'policy', formatRequired: 'policy' },
    });
    expect(effectiveBuildChecksSchema.parse(checks)).toEqual(checks);
  });

  it("lets each key model.toml sets win, key by key, over the policy's [build.checks]", () => {
    const checks = effectiveBuildChecks(
      model('[build_checks]\ncoverage_min = 0\nformat_required = false\n'),
      policy('[build.checks]\ncoverage_min = 70\ndiff_coverage_min = 90\nmypy_max_errors = 5\n'),
    );
    expect(checks).toEqual({
      coverageMin: 0,
      diffCoverageMin: 90,
      mypyMaxErrors: 5,
      formatRequired: false,
      source: { coverageMin: 'model.toml', diffCoverageMin: 'policy', mypyMaxErrors: 'policy', formatRequired: 'model.toml' },
    });
  });

  it('reads an empty [build_checks] as no override', () => {
    expect(effectiveBuildChecks(model('[build_checks]\n'), policy()).source).toEqual({
      coverageMin: 'policy',
      diffCoverageMin: 'policy',
      mypyMaxErrors: 'policy',
      formatRequired: 'policy',
    });
  });
});
