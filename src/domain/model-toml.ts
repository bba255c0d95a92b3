import { stringify } from 'smol-toml';
import { z } from 'zod';
import { expecting, readTomlDocument, table, validateDocument, type DocumentError } from '../config/toml-document.ts';

/**
 * `model.toml`, the model's configuration at the root of its repository (the template of the
 * ML platform talk): who the model is, its Python runtime, inference and training resources,
 * the metric thresholds training must meet, its DVC dataset and the share of production
 * traffic sent to statistical monitoring. The lifecycle writes it from the Jira ticket when it
 * creates the repository, and reads it back when the ticket moves to "Ready for training".
 */

// ---- field schemas, shared with the policy's [defaults] ------------------------------------

export const MODEL_NAME_MAX_LENGTH = 64;
/** Lowercase letters and digits in groups joined by single dashes, e.g. `churn-forecast`. */
export const MODEL_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const modelNameSchema = z
  .string({
    error: expecting(
      `a model name of lowercase letters, digits and single dashes (at most ${MODEL_NAME_MAX_LENGTH} characters)`,
      'it names the repository and the service, e.g. "churn-forecast"',
    ),
  })
  .max(MODEL_NAME_MAX_LENGTH)
  .regex(MODEL_NAME_PATTERN)
  .describe('Name of the model, its repository and its service: lowercase letters, digits and dashes');

export const modelTypeSchema = z
  .string({
    error: expecting('a model type of lowercase letters, digits, "_" or "-"', 'e.g. "classification", "regression" or "ranking"'),
  })
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/)
  .describe('Kind of model, e.g. "classification"; chooses the inference template');

export const teamNameSchema = z
  .string({ error: expecting('a team name', 'use the team name from [[teams]] of the policy, e.g. "search"') })
  .trim()
  .min(1)
  .max(100)
  .describe('Team that owns the model, as named in the policy file');

export const pythonVersionSchema = z
  .string({
    error: expecting('a quoted Python version such as "3.11"', (input) =>
      typeof input === 'number'
        ? 'quote it, e.g. python_version = "3.10"; unquoted, 3.10 reads as the number 3.1'
        : 'write major.minor, e.g. "3.11"',
    ),
  })
  .regex(/^3\.\d{1,2}(?:\.\d{1,3})?$/)
  .describe('Python version of the training and inference images, e.g. "3.11"');

const CPU_QUANTITY = /^(?:\d+(?:\.\d{1,3})?|\d+m)$/;
const MEMORY_QUANTITY = /^\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

function quantityValue(text: string): number {
  return Number.parseFloat(text);
}

export const cpuQuantitySchema = z
  .string({
    error: expecting('a Kubernetes CPU quantity such as "500m" or "2"', (input) =>
      typeof input === 'number'
        ? `quote it with its unit: "${String(input)}m" for ${String(input)} millicores, or a number of whole cores such as "2"`
        : 'use millicores ("500m") or cores ("0.5", "2")',
    ),
  })
  .regex(CPU_QUANTITY)
  .refine((text) => quantityValue(text) > 0)
  .describe('Kubernetes CPU quantity: "500m" (millicores) or "2" (cores)');

export const memoryQuantitySchema = z
  .string({
    error: expecting('a Kubernetes memory quantity such as "512Mi" or "2Gi"', (input) => {
      if (typeof input === 'number') return `quote it with its unit, e.g. "${String(input)}Mi" for ${String(input)} mebibytes`;
      if (typeof input === 'string' && /m$|[KMGTPE]?b$|[kmgtpe]i$/i.test(input) && !MEMORY_QUANTITY.test(input)) {
        return 'use the binary suffixes Ki, Mi, Gi (e.g. "512Mi"); a lowercase "m" means thousandths of a byte';
      }
      return 'use a number with a suffix Ki, Mi, Gi (binary) or k, M, G (decimal), e.g. "2Gi"';
    }),
  })
  .regex(MEMORY_QUANTITY)
  .refine((text) => quantityValue(text) > 0)
  .describe('Kubernetes memory quantity, e.g. "512Mi" or "2Gi"');

export const cpusNumberSchema = z
  .number({ error: expecting('a whole number of CPUs, at least 1', 'e.g. cpus_number = 2') })
  .int()
  .min(1)
  .max(256)
  .describe('CPUs of the training job');

export const gpusNumberSchema = z
  .number({ error: expecting('a whole number of GPUs, 0 or more', 'use 0 for the CPU trainer image, 1 or more for the GPU image') })
  .int()
  .min(0)
  .max(16)
  .describe('GPUs of the training job: 0 runs the CPU trainer image, 1 or more the GPU trainer image');

const metricBound = z.number({ error: expecting('a number', 'write a threshold such as 0.9') });

/** Bounds of one training metric; at least one of them, and min ≤ max. */
export const metricBoundsSchema = z
  .strictObject(
    {
      min: metricBound.optional().describe('The metric must be at least this'),
      max: metricBound.optional().describe('The metric must be at most this'),
    },
    {
      error: expecting(
        'bounds such as <metric>.min = 0.9 or <metric>.max = 0.2',
        'write the bound as a dotted key, e.g. recall.min = 0.9 (lower bound) or mae.max = 3.5 (upper bound)',
      ),
    },
  )
  .superRefine(
    (bounds, ctx) => {
      if (bounds.min === undefined && bounds.max === undefined) {
        ctx.addIssue({ code: 'custom', message: 'has no bound — set <metric>.min and/or <metric>.max, or remove the metric' });
      } else if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['min'],
          message: `is ${bounds.min}, greater than max ${bounds.max} — no value could pass; lower min or raise max`,
        });
      }
    },
    // A misspelt bound (recall.minimum) is already reported; "has no bound" would be noise.
    { when: (payload) => payload.issues.length === 0 },
  )
  .describe('Thresholds one training metric must meet');

/** MLflow metric names: letters, digits, "_", "-", ".", " " and "/". */
export const metricNameSchema = z
  .string({ error: expecting('an MLflow metric name (letters, digits, "_", "-", ".", " " or "/")', 'name the metric as training logs it to MLflow, e.g. recall') })
  .min(1)
  .max(250)
  .regex(/^[A-Za-z0-9_\-./ ]+$/);

export const trainMetricsSchema = z
  .record(metricNameSchema, metricBoundsSchema, {
    error: expecting('a table of metric bounds', 'write [train_metrics] with lines such as recall.min = 0.9'),
  })
  .describe('Metric gates checked after training: <metric>.min / <metric>.max');

export const datasetNameSchema = z
  .string({ error: expecting('a DVC dataset name', 'name the dataset registered in DVC, e.g. "churn-2024-q1"') })
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/)
  .describe('DVC dataset the model trains on');

export const samplingRatioSchema = z
  .number({ error: expecting('a number greater than 0 and at most 1', 'e.g. 0.1 sends a tenth of the requests to monitoring') })
  .gt(0)
  .lte(1)
  .describe('Share of production requests sent to statistical monitoring, 0 < r ≤ 1');

const percent = (key: string, example: number) =>
  z
    .number({ error: expecting('a percentage from 0 to 100', `e.g. ${key} = ${example} (a percent, not a fraction)`) })
    .min(0)
    .max(100);

/** Lowest total line coverage of the inference service's tests, in percent. */
export const coverageMinSchema = percent('coverage_min', 60).describe('Lowest total line coverage of the tests, in percent (0..100)');

/** Lowest coverage of the lines a change adds or edits (diff-cover against the default branch), in percent. */
export const diffCoverageMinSchema = percent('diff_coverage_min', 80).describe(
  'Lowest coverage of the changed lines (diff-cover against the default branch), in percent (0..100)',
);

/** Most mypy errors the type check may report. */
export const mypyMaxErrorsSchema = z
  .number({ error: expecting('a whole number, 0 or more', 'e.g. mypy_max_errors = 0 (no type error allowed)') })
  .int()
  .min(0)
  .describe('Most mypy errors the type check may report (0 or more)');

/** Whether code that `ruff format --check` would reformat fails the build. */
export const formatRequiredSchema = z
  .boolean({ error: expecting('true or false', 'write format_required = true (no quotes)') })
  .describe('Whether code that `ruff format --check` would reformat fails the build');

/**
 * `[build_checks]`: this model's own thresholds of the build and test checks. Every key is
 * optional; a key left out takes the policy's `[build.checks]` value.
 */
export const buildChecksSchema = table(
  {
    coverage_min: coverageMinSchema.optional().describe("Lowest total line coverage of the tests, in percent; absent: the policy's build.checks.coverage_min"),
    diff_coverage_min: diffCoverageMinSchema
      .optional()
      .describe("Lowest coverage of the changed lines, in percent; absent: the policy's build.checks.diff_coverage_min"),
    mypy_max_errors: mypyMaxErrorsSchema.optional().describe("Most mypy errors allowed; absent: the policy's build.checks.mypy_max_errors"),
    format_required: formatRequiredSchema
      .optional()
      .describe("Whether unformatted code fails the build; absent: the policy's build.checks.format_required"),
  },
  'write [build_checks] with keys such as coverage_min = 70, or remove it to use the policy\'s thresholds',
).describe("Thresholds of the build checks; a key left out takes the policy's [build.checks] value");

// ---- the document ---------------------------------------------------------------------------

export const modelTomlSchema = table(
  {
    model: table(
      {
        model_name: modelNameSchema,
        model_version: z
          .number({ error: expecting('a whole number, at least 1', 'start at model_version = 1 and raise it for each new version') })
          .int()
          .min(1)
          .describe('Version of the model; training registers it in MLflow under this number'),
        model_type: modelTypeSchema,
        team: teamNameSchema,
      },
      'add [model] with model_name, model_version, model_type and team',
    ).describe('Who the model is'),
    runtime: table({ python_version: pythonVersionSchema }, 'add [runtime] with python_version, e.g. "3.11"').describe('Runtime of the model images'),
    inference_resources: table(
      {
        cpu_limit: cpuQuantitySchema.describe('CPU limit of the inference service, e.g. "500m"'),
        memory_limit: memoryQuantitySchema.describe('Memory limit of the inference service, e.g. "1Gi"'),
      },
      'add [inference_resources] with cpu_limit and memory_limit',
    ).describe('Resources of the inference service'),
    train_resources: table(
      {
        memory_limit: memoryQuantitySchema.describe('Memory limit of the training job, e.g. "4Gi"'),
        cpus_number: cpusNumberSchema,
        gpus_number: gpusNumberSchema.default(0).describe('GPUs of the training job (default 0): 0 runs the CPU trainer image, 1 or more the GPU one'),
      },
      'add [train_resources] with memory_limit and cpus_number',
    ).describe('Resources of the training job; gpus_number chooses the GPU or CPU trainer image'),
    train_metrics: trainMetricsSchema.default({}).describe('Metric gates checked after training: <metric>.min / <metric>.max (default none)'),
    dvc: table({ train_dataset_name: datasetNameSchema }, 'add [dvc] with train_dataset_name').describe('Where the training data lives'),
    stat_monitoring: table({ sampling_ratio: samplingRatioSchema }, 'add [stat_monitoring] with sampling_ratio, e.g. 0.1').describe(
      'Statistical monitoring of production traffic',
    ),
    build_checks: buildChecksSchema
      .optional()
      .describe("Optional thresholds of the build checks (coverage, diff coverage, mypy errors, format); absent keys take the policy's [build.checks]"),
  },
  'model.toml must be a TOML table',
).describe('model.toml: the configuration of one model');

export type ModelToml = z.infer<typeof modelTomlSchema>;
export type ModelTomlInput = z.input<typeof modelTomlSchema>;
export type ModelTomlError = DocumentError;
export type ModelTomlResult = { ok: true; value: ModelToml } | { ok: false; errors: ModelTomlError[] };

/** Which prepared trainer image the training job runs on. */
export function trainerImage(value: ModelToml): 'gpu' | 'cpu' {
  return value.train_resources.gpus_number > 0 ? 'gpu' : 'cpu';
}

/** Reads model.toml text; every invalid value is reported with its TOML path. */
export function parseModelToml(text: string): ModelTomlResult {
  return readTomlDocument(modelTomlSchema, text);
}

/** Validates a model.toml value built in code (e.g. from a Jira ticket). */
export function validateModelToml(value: unknown): ModelTomlResult {
  return validateDocument(modelTomlSchema, value);
}

const SECTION_COMMENTS: Record<keyof ModelToml, string> = {
  model: 'Who the model is. model_name also names the repository and the service.',
  runtime: 'Python of the training and inference images.',
  inference_resources: 'Kubernetes limits of the inference service: CPU "500m" or "2", memory "512Mi" or "2Gi".',
  train_resources: 'Training job resources. gpus_number = 0 runs the CPU trainer image, 1 or more the GPU image.',
  train_metrics: 'Training fails unless every metric logged to MLflow meets its bounds: <metric>.min / <metric>.max.',
  dvc: 'DVC dataset the model trains on.',
  stat_monitoring: 'Share of production requests (0 < r <= 1) sent to statistical monitoring.',
  build_checks: "Thresholds of the build checks; a key left out takes the platform policy's value.",
};

/**
 * model.toml text for a value, with a header saying where it came from and how to change it.
 * `parseModelToml(renderModelToml(v))` gives back `v`.
 */
export function renderModelToml(value: ModelToml, options: { issueKey?: string } = {}): string {
  const source = options.issueKey ? `Jira ticket ${options.issueKey}` : 'the Jira ticket';
  const header = [
    '# model.toml: the configuration of this model.',
    `# Generated by model-lifecycle from ${source} when the repository was created.`,
    '# Edit it here, in the repository; the ticket is not read again. It is validated when the',
    '# ticket moves to "Ready for training", and errors name the key to fix.',
  ];
  const sections = (Object.keys(SECTION_COMMENTS) as Array<keyof ModelToml>)
    // An optional table is written only when the model has it.
    .filter((name) => value[name] !== undefined)
    .map((name) => {
      // smol-toml leaves out keys whose value is undefined (the absent optional keys).
      const body = name === 'train_metrics' ? renderMetrics(value.train_metrics) : stringify({ [name]: value[name] }).trim();
      return `# ${SECTION_COMMENTS[name]}\n${body}`;
    });
  return `${header.join('\n')}\n\n${sections.join('\n\n')}\n`;
}

/** Metrics as dotted keys (`recall.min = 0.9`), the way the template writes them. */
function renderMetrics(metrics: ModelToml['train_metrics']): string {
  const lines = ['[train_metrics]'];
  for (const [name, bounds] of Object.entries(metrics)) {
    const key = /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
    if (bounds.min !== undefined) lines.push(`${key}.min = ${tomlNumber(bounds.min)}`);
    if (bounds.max !== undefined) lines.push(`${key}.max = ${tomlNumber(bounds.max)}`);
  }
  if (lines.length === 1) lines.push('# recall.min = 0.9');
  return lines.join('\n');
}

function tomlNumber(value: number): string {
  return stringify({ v: value }).trim().slice('v = '.length);
}

