import { z } from 'zod';
import type { Policy } from '../config/policy.ts';
import type { ModelToml } from './model-toml.ts';

/**
 * The thresholds the build-and-test stage holds a model to: the model's own `[build_checks]`
 * in model.toml where it sets a key, else the policy's `[build.checks]`. Pure; the report
 * says where each threshold came from.
 */

const thresholdSource = z.enum(['model.toml', 'policy']).describe("Where the threshold came from: the model's model.toml or the platform policy");

export const effectiveBuildChecksSchema = z
  .object({
    coverageMin: z.number().min(0).max(100).describe('Lowest total line coverage of the tests, in percent'),
    diffCoverageMin: z.number().min(0).max(100).describe('Lowest coverage of the changed lines (diff-cover), in percent'),
    mypyMaxErrors: z.number().int().min(0).describe('Most mypy errors allowed'),
    formatRequired: z.boolean().describe('Whether code that `ruff format --check` would reformat fails the build'),
    source: z
      .object({
        coverageMin: thresholdSource,
        diffCoverageMin: thresholdSource,
        mypyMaxErrors: thresholdSource,
        formatRequired: thresholdSource,
      })
      .describe('Where each threshold came from'),
  })
  .describe('The thresholds of the build checks that apply to one model');

export type EffectiveBuildChecks = z.infer<typeof effectiveBuildChecksSchema>;
export type BuildCheckThresholdSource = z.infer<typeof thresholdSource>;

/**
 * The thresholds of the build checks for a model: each key of model.toml's `[build_checks]`
 * that is set wins over the policy's `[build.checks]` default, key by key.
 */
export function effectiveBuildChecks(modelToml: Pick<ModelToml, 'build_checks'>, policy: Pick<Policy, 'build'>): EffectiveBuildChecks {
  const own = modelToml.build_checks ?? {};
  const defaults = policy.build.checks;
  const pick = <T>(value: T | undefined, fallback: T): { value: T; source: BuildCheckThresholdSource } =>
    value === undefined ? { value: fallback, source: 'policy' } : { value, source: 'model.toml' };
  const coverageMin = pick(own.coverage_min, defaults.coverage_min);
  const diffCoverageMin = pick(own.diff_coverage_min, defaults.diff_coverage_min);
  const mypyMaxErrors = pick(own.mypy_max_errors, defaults.mypy_max_errors);
  const formatRequired = pick(own.format_required, defaults.format_required);
  return {
    coverageMin: coverageMin.value,
    diffCoverageMin: diffCoverageMin.value,
    mypyMaxErrors: mypyMaxErrors.value,
    formatRequired: formatRequired.value,
    source: {
      coverageMin: coverageMin.source,
      diffCoverageMin: diffCoverageMin.source,
      mypyMaxErrors: mypyMaxErrors.source,
      formatRequired: formatRequired.source,
    },
  };
}
