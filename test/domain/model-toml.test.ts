import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { undescribedKeys } from '../config/schema-docs.ts';
import { modelTomlSchema, parseModelToml, renderModelToml, trainerImage, type ModelToml } from '../../src/domain/model-toml.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/model-toml/${name}`, import.meta.url), 'utf8');

function valueOf(text: string): ModelToml {
  const result = parseModelToml(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.value;
}

describe('parseModelToml', () => {
  it('describes every key', () => {
    expect(undescribedKeys(modelTomlSchema)).toEqual([]);
  });

  it('reads every section of the template', () => {
    const value = valueOf(fixture('valid.toml'));
    expect(value).toEqual({
      model: { model_name: 'ml-model-test-gpu', model_version: 1, model_type: 'classification', team: 'ml-platform' },
      runtime: { python_version: '3.10' },
      inference_resources: { cpu_limit: '500m', memory_limit: '1Gi' },
      train_resources: { memory_limit: '2000Mi', cpus_number: 1, gpus_number: 1 },
      train_metrics: { recall: { min: 0.9 }, precision: { min: 0.8 }, 'val/loss': { max: 0.35 } },
      dvc: { train_dataset_name: 'some-dataset' },
      stat_monitoring: { sampling_ratio: 0.5 },
    });
    expect(trainerImage(value)).toBe('gpu');
  });

  it('defaults gpus_number to 0, the CPU trainer image', () => {
    const value = valueOf(fixture('valid.toml').replace('gpus_number = 1\n', ''));
    expect(value.train_resources.gpus_number).toBe(0);
    expect(trainerImage(value)).toBe('cpu');
  });

  it("explains how to write the talk's bare-number resources and unquoted version", () => {
    const result = parseModelToml(fixture('seed-template.toml'));
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: 'runtime.python_version',
          message: 'expected a quoted Python version such as "3.11", got 3.1 — quote it, e.g. python_version = "3.10"; unquoted, 3.10 reads as the number 3.1',
        },
        {
          path: 'inference_resources.cpu_limit',
          message:
            'expected a Kubernetes CPU quantity such as "500m" or "2", got 512 — quote it with its unit: "512m" for 512 millicores, or a number of whole cores such as "2"',
        },
        {
          path: 'inference_resources.memory_limit',
          message: 'expected a Kubernetes memory quantity such as "512Mi" or "2Gi", got 1024 — quote it with its unit, e.g. "1024Mi" for 1024 mebibytes',
        },
        {
          path: 'train_resources.memory_limit',
          message: 'expected a Kubernetes memory quantity such as "512Mi" or "2Gi", got 2000 — quote it with its unit, e.g. "2000Mi" for 2000 mebibytes',
        },
      ],
    });
  });

  it('names the TOML path of every bad value at once', () => {
    const result = parseModelToml(fixture('many-problems.toml'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.errors.map((error) => error.path);
    expect(paths.sort()).toEqual(
      [
        'model.model_name',
        'model.model_version',
        'model.team',
        'runtime.python_version',
        'inference_resources.cpu_limit',
        'inference_resources.cpu_limt',
        'inference_resources.memory_limit',
        'train_resources.cpus_number',
        'train_metrics.recall.min',
        'train_metrics.precision.minimum',
        'train_metrics.f1',
        'train_metrics.auc.min',
        'dvc.train_dataset_name',
        'stat_monitoring.sampling_ratio',
      ].sort(),
    );
    const message = (path: string) => result.errors.find((error) => error.path === path)?.message;
    expect(message('model.model_name')).toBe(
      'expected a model name of lowercase letters, digits and single dashes (at most 64 characters), got "ML_Model Test" — it names the repository and the service, e.g. "churn-forecast"',
    );
    expect(message('model.team')).toMatch(/^is required — /);
    expect(message('inference_resources.cpu_limt')).toBe('unknown key — did you mean "cpu_limit"?');
    expect(message('inference_resources.memory_limit')).toContain('got "1GB" — use the binary suffixes Ki, Mi, Gi');
    expect(message('train_metrics.recall.min')).toBe('is 0.9, greater than max 0.8 — no value could pass; lower min or raise max');
    expect(message('train_metrics.precision.minimum')).toBe('unknown key — did you mean "min"?');
    expect(message('train_metrics.f1')).toContain('write the bound as a dotted key, e.g. recall.min = 0.9');
    expect(message('train_metrics.auc.min')).toBe('expected a number, got "high" — write a threshold such as 0.9');
    expect(message('stat_monitoring.sampling_ratio')).toBe(
      'expected a number greater than 0 and at most 1, got 0 — e.g. 0.1 sends a tenth of the requests to monitoring',
    );
  });

  it('asks for at least one bound per metric', () => {
    const result = parseModelToml(fixture('valid.toml').replace('recall.min = 0.9', 'recall = {}'));
    expect(result).toEqual({
      ok: false,
      errors: [{ path: 'train_metrics.recall', message: 'has no bound — set <metric>.min and/or <metric>.max, or remove the metric' }],
    });
  });

  it('reports unknown sections', () => {
    const result = parseModelToml(`${fixture('valid.toml')}\n[train_metric]\nrecall.min = 0.9\n`);
    expect(result).toEqual({ ok: false, errors: [{ path: 'train_metric', message: 'unknown key — did you mean "train_metrics"?' }] });
  });

  it('gives the line and column of a TOML syntax error', () => {
    const result = parseModelToml('[model]\nmodel_name = "a"\nmodel_version = \n');
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '', line: 3, column: expect.any(Number), message: expect.stringMatching(/^invalid TOML at line 3, column \d+: .*model_version =/) }],
    });
  });

  it('reads an optional [build_checks] table, any key of it left out', () => {
    expect(valueOf(fixture('valid.toml')).build_checks).toBeUndefined();
    const value = valueOf(`${fixture('valid.toml')}\n[build_checks]\ncoverage_min = 72.5\nmypy_max_errors = 3\n`);
    expect(value.build_checks).toEqual({ coverage_min: 72.5, mypy_max_errors: 3 });
    const all = valueOf(`${fixture('valid.toml')}\n[build_checks]\ncoverage_min = 0\ndiff_coverage_min = 100\nmypy_max_errors = 0\nformat_required = false\n`);
    expect(all.build_checks).toEqual({ coverage_min: 0, diff_coverage_min: 100, mypy_max_errors: 0, format_required: false });
    expect(valueOf(`${fixture('valid.toml')}\n[build_checks]\n`).build_checks).toEqual({});
  });

  it('names the TOML path and the fix of every bad [build_checks] value', () => {
    const result = parseModelToml(
      `${fixture('valid.toml')}\n[build_checks]\ncoverage_min = 0.8\ndiff_coverage_min = 120\nmypy_max_errors = 1.5\nformat_required = "yes"\ncoverage_minimum = 60\n`,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // 0.8 is a valid percentage (0.8 %), so only the others are errors.
    expect(result.errors).toEqual([
      { path: 'build_checks.diff_coverage_min', message: 'expected a percentage from 0 to 100, got 120 — e.g. diff_coverage_min = 80 (a percent, not a fraction)' },
      { path: 'build_checks.mypy_max_errors', message: 'expected a whole number, 0 or more, got 1.5 — e.g. mypy_max_errors = 0 (no type error allowed)' },
      { path: 'build_checks.format_required', message: 'expected true or false, got "yes" — write format_required = true (no quotes)' },
      { path: 'build_checks.coverage_minimum', message: 'unknown key — did you mean "coverage_min"?' },
    ]);
    expect(parseModelToml(`build_checks = 80\n${fixture('valid.toml')}`)).toEqual({
      ok: false,
      errors: [
        {
          path: 'build_checks',
          message: "expected a table, got 80 — write [build_checks] with keys such as coverage_min = 70, or remove it to use the policy's thresholds",
        },
      ],
    });
  });

  it('accepts the Kubernetes quantity forms and rejects the others', () => {
    const cpu = (text: string) => modelTomlSchema.shape.inference_resources.shape.cpu_limit.safeParse(text).success;
    const memory = (text: string) => modelTomlSchema.shape.inference_resources.shape.memory_limit.safeParse(text).success;
    for (const ok of ['500m', '2', '0.5', '1.25']) expect(cpu(ok), ok).toBe(true);
    for (const bad of ['0', '0m', '500 m', '2 cores', '-1', '1Gi', '']) expect(cpu(bad), bad).toBe(false);
    for (const ok of ['512Mi', '2Gi', '1.5Gi', '1G', '500M', '1073741824', '128Ki']) expect(memory(ok), ok).toBe(true);
    for (const bad of ['512m', '2GB', '2gi', '0', '0Mi', 'lots', '']) expect(memory(bad), bad).toBe(false);
  });
});

describe('renderModelToml', () => {
  it('writes a header saying where the file came from and how to change it', () => {
    const text = renderModelToml(valueOf(fixture('valid.toml')), { issueKey: 'MLM-42' });
    expect(text).toMatch(/^# model\.toml: the configuration of this model\.\n# Generated by model-lifecycle from Jira ticket MLM-42/);
    expect(text).toContain('Edit it here, in the repository');
    expect(text).toContain('[train_metrics]\nrecall.min = 0.9\nprecision.min = 0.8\n"val/loss".max = 0.35\n');
  });

  it('leaves an example line in an empty [train_metrics]', () => {
    const value = { ...valueOf(fixture('valid.toml')), train_metrics: {} };
    const text = renderModelToml(value);
    expect(text).toContain('[train_metrics]\n# recall.min = 0.9\n');
    expect(valueOf(text)).toEqual(value);
  });

  it('writes [build_checks] only when the model has it, with only the keys it sets', () => {
    const value = valueOf(fixture('valid.toml'));
    expect(renderModelToml(value)).not.toContain('build_checks');
    const withChecks: ModelToml = { ...value, build_checks: { diff_coverage_min: 90, format_required: false } };
    const text = renderModelToml(withChecks);
    expect(text).toContain("# Thresholds of the build checks; a key left out takes the platform policy's value.\n[build_checks]\ndiff_coverage_min = 90\nformat_required = false\n");
    expect(valueOf(text)).toEqual(withChecks);
  });

  it('round-trips many generated valid values exactly', () => {
    const random = mulberry32(20231031);
    for (let i = 0; i < 500; i++) {
      const value = modelTomlSchema.parse(generate(random));
      const text = renderModelToml(value, { issueKey: `MLM-${i}` });
      const parsed = parseModelToml(text);
      expect(parsed, text).toEqual({ ok: true, value });
    }
  });
});

// ---- a small seeded generator of valid model.toml values -------------------------------------

type Random = () => number;

function mulberry32(seed: number): Random {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T,>(random: Random, items: readonly T[]): T => items[int(random, 0, items.length - 1)] as T;

function word(random: Random, alphabet: string, min: number, max: number): string {
  return Array.from({ length: int(random, min, max) }, () => pick(random, [...alphabet])).join('');
}

function slug(random: Random): string {
  return Array.from({ length: int(random, 1, 4) }, () => word(random, 'abcdefghijklmnopqrstuvwxyz0123456789', 1, 12))
    .join('-')
    .slice(0, 64)
    .replace(/-+$/, '');
}

function threshold(random: Random): number {
  return pick(random, [
    () => random(),
    () => int(random, -1000, 1000),
    () => Number((random() * 100).toFixed(int(random, 0, 6))),
    () => random() * 1e-9,
    () => random() * 1e12,
  ])();
}

function generate(random: Random): unknown {
  const metrics: Record<string, { min?: number; max?: number }> = {};
  for (let i = int(random, 0, 5); i > 0; i--) {
    const name = pick(random, ['recall', 'precision', 'f1', 'roc_auc', 'val/loss', 'mae', 'top-5 accuracy', 'ndcg.at.10', `m${i}`]);
    const a = threshold(random);
    const b = threshold(random);
    const kind = int(random, 0, 2);
    metrics[name] = kind === 0 ? { min: a } : kind === 1 ? { max: a } : { min: Math.min(a, b), max: Math.max(a, b) };
  }
  return {
    model: {
      model_name: slug(random),
      model_version: int(random, 1, 10_000),
      model_type: pick(random, ['classification', 'regression', 'ranking', 'nlp_ner', 'cv-detection']),
      team: pick(random, ['search', 'pricing', 'ml-platform', 'Recommendations Team', 'Поиск']),
    },
    runtime: { python_version: `3.${int(random, 8, 13)}${random() < 0.3 ? `.${int(random, 0, 20)}` : ''}` },
    inference_resources: {
      cpu_limit: pick(random, [`${int(random, 1, 4000)}m`, String(int(random, 1, 16)), `0.${int(random, 1, 999)}`]),
      memory_limit: `${int(random, 1, 4096)}${pick(random, ['Ki', 'Mi', 'Gi', 'M', 'G', ''])}`,
    },
    train_resources: {
      memory_limit: `${int(random, 1, 512)}${pick(random, ['Mi', 'Gi', 'Ti'])}`,
      cpus_number: int(random, 1, 64),
      ...(random() < 0.5 ? { gpus_number: int(random, 0, 8) } : {}),
    },
    train_metrics: metrics,
    dvc: { train_dataset_name: pick(random, ['some-dataset', 'churn/2024-q1', `${slug(random)}-train`, 'Dataset_v2.1']) },
    stat_monitoring: { sampling_ratio: pick(random, [1, 0.5, Math.max(random(), 1e-6)]) },
    ...(random() < 0.5 ? { build_checks: buildChecks(random) } : {}),
  };
}

function buildChecks(random: Random): Record<string, number | boolean> {
  const checks: Record<string, number | boolean> = {};
  if (random() < 0.6) checks.coverage_min = pick(random, [0, 100, int(random, 0, 100), Number((random() * 100).toFixed(int(random, 0, 3)))]);
  if (random() < 0.6) checks.diff_coverage_min = pick(random, [0, 100, int(random, 0, 100), random() * 100]);
  if (random() < 0.6) checks.mypy_max_errors = int(random, 0, 500);
  if (random() < 0.6) checks.format_required = random() < 0.5;
  return checks;
}
