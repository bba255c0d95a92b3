import { z } from 'zod';
import { findTeam, type Policy } from '../config/policy.ts';
import { jiraUserSchema, type JiraIssueView } from './jira-issue.ts';
import { issueKey } from './lifecycle-variables.ts';
import {
  MODEL_NAME_MAX_LENGTH,
  modelNameSchema,
  modelTypeSchema,
  renderModelToml,
  validateModelToml,
  type ModelTomlInput,
} from './model-toml.ts';

/**
 * The model request: what a Jira model ticket asks for, in the form the lifecycle uses to
 * create the repository. Derived by a pure function of the ticket and the policy.
 *
 * Rules, in the order they apply:
 * - **Model name**: the policy's `jira.fields.model_name` field when it has a value, which
 *   must already be a valid name; otherwise the summary as a slug: accents removed,
 *   lowercased, every run of characters other than a–z and 0–9 turned into one "-", dashes
 *   trimmed from both ends, cut to 64 characters. "Churn forecast (v2)" → "churn-forecast-v2".
 * - **Team**: the `jira.fields.team` field (text or a select option) when it has a value;
 *   otherwise the first component that names a team of the policy. It must be one of
 *   `[[teams]]` (ignoring case) and is stored under the policy's spelling.
 * - **Model type**: the `jira.fields.model_type` field, lowercased, else `defaults.model_type`.
 * - **Developer**: the assignee, else the reporter.
 */

export const modelRequestSchema = z
  .object({
    issueKey,
    modelName: modelNameSchema,
    team: z.string().min(1).describe('Team that owns the model, spelt as in [[teams]] of the policy'),
    modelType: modelTypeSchema,
    repoName: modelNameSchema.describe('Name of the model repository in the GitHub organisation; equals modelName'),
    developer: jiraUserSchema.describe('The developer of the model: the assignee of the ticket, else its reporter'),
    modelToml: z.string().min(1).describe('model.toml of the new repository, rendered and validated'),
  })
  .describe('What a Jira model ticket asks for');

export type ModelRequest = z.infer<typeof modelRequestSchema>;

export type DeriveResult = { ok: true; request: ModelRequest } | { ok: false; problems: string[] };

/**
 * Turns a model ticket into a model request. Problems are written for the data scientist who
 * reads them in a Jira comment: what is wrong on the ticket and what to change. All of them
 * are reported at once.
 */
export function deriveModelRequest(issue: JiraIssueView, policy: Policy): DeriveResult {
  const problems: string[] = [];
  const teamNames = policy.teams.map((team) => team.name).join(', ');

  const modelName = deriveModelName(issue, policy, problems);
  const team = deriveTeam(issue, policy, teamNames, problems);
  const modelType = deriveModelType(issue, policy, problems);
  const developer = issue.assignee ?? issue.reporter;
  if (!developer) problems.push('The ticket has neither an assignee nor a reporter: assign it to the data scientist who will develop the model.');
  if (!/^[A-Z][A-Z0-9_]+-\d+$/.test(issue.key)) problems.push(`The ticket key "${issue.key}" is not a Jira issue key such as MLM-42.`);

  if (problems.length > 0 || modelName === undefined || team === undefined || modelType === undefined || !developer) {
    return { ok: false, problems };
  }

  const defaults = policy.defaults;
  const value: ModelTomlInput = {
    model: { model_name: modelName, model_version: 1, model_type: modelType, team },
    runtime: { python_version: defaults.python_version },
    inference_resources: { ...defaults.inference_resources },
    train_resources: { ...defaults.train_resources },
    train_metrics: Object.fromEntries(Object.entries(defaults.train_metrics).map(([name, bounds]) => [name, { ...bounds }])),
    dvc: { train_dataset_name: defaults.train_dataset_name ?? `${modelName}-train` },
    stat_monitoring: { ...defaults.stat_monitoring },
  };
  const modelToml = validateModelToml(value);
  if (!modelToml.ok) {
    // The policy's defaults passed the same schemas at startup, so this is a ticket value the
    // checks above let through; say which key rather than fail obscurely later.
    return { ok: false, problems: modelToml.errors.map((error) => `The ticket gives an invalid model.toml value at ${error.path}: ${error.message}.`) };
  }

  return {
    ok: true,
    request: modelRequestSchema.parse({
      issueKey: issue.key,
      modelName,
      team,
      modelType,
      repoName: modelName,
      developer: {
        displayName: developer.displayName,
        ...(developer.accountId === undefined ? {} : { accountId: developer.accountId }),
        ...(developer.name === undefined ? {} : { name: developer.name }),
        ...(developer.emailAddress === undefined ? {} : { emailAddress: developer.emailAddress }),
      },
      modelToml: renderModelToml(modelToml.value, { issueKey: issue.key }),
    }),
  };
}

/**
 * A summary as a model name: accents removed, lowercased, runs of other characters turned into
 * one "-", dashes trimmed, at most 64 characters. Empty when nothing latin or numeric is left.
 */
export function slugifyModelName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MODEL_NAME_MAX_LENGTH)
    .replace(/-+$/, '');
}

type FieldValue = { kind: 'absent' } | { kind: 'text'; text: string } | { kind: 'unreadable'; reason: string };

/** A custom field as text: a string, a number, or a select option `{ value }` / `{ name }`. */
function readField(issue: JiraIssueView, fieldId: string | undefined): FieldValue {
  if (!fieldId) return { kind: 'absent' };
  return fieldText(issue.fields[fieldId]);
}

function fieldText(raw: unknown): FieldValue {
  if (raw === undefined || raw === null) return { kind: 'absent' };
  if (typeof raw === 'string') return raw.trim() === '' ? { kind: 'absent' } : { kind: 'text', text: raw.trim() };
  if (typeof raw === 'number') return { kind: 'text', text: String(raw) };
  if (Array.isArray(raw)) {
    const values = raw.map(fieldText).filter((value) => value.kind !== 'absent');
    if (values.length === 0) return { kind: 'absent' };
    if (values.length > 1) return { kind: 'unreadable', reason: 'has several values' };
    return values[0] ?? { kind: 'absent' };
  }
  if (typeof raw === 'object') {
    const option = raw as { value?: unknown; name?: unknown };
    if (typeof option.value === 'string') return fieldText(option.value);
    if (typeof option.name === 'string') return fieldText(option.name);
  }
  return { kind: 'unreadable', reason: 'has a value that is neither text nor a single option' };
}

function deriveModelName(issue: JiraIssueView, policy: Policy, problems: string[]): string | undefined {
  const field = readField(issue, policy.jira.fields.model_name);
  if (field.kind === 'unreadable') {
    problems.push(`The Model name field ${field.reason}: write one name, e.g. "churn-forecast".`);
    return undefined;
  }
  if (field.kind === 'text') {
    if (modelNameSchema.safeParse(field.text).success) return field.text;
    const suggestion = slugifyModelName(field.text);
    problems.push(
      `The Model name field "${field.text}" is not a valid model name: use lowercase latin letters, digits and single dashes, ` +
        `at most ${MODEL_NAME_MAX_LENGTH} characters, e.g. "${suggestion || 'churn-forecast'}".`,
    );
    return undefined;
  }
  const slug = slugifyModelName(issue.summary);
  if (slug === '') {
    const fix = policy.jira.fields.model_name
      ? 'fill in the Model name field'
      : 'write the model name in latin letters in the summary';
    problems.push(`The model name cannot be made from the summary "${issue.summary}": ${fix}, e.g. "churn-forecast".`);
    return undefined;
  }
  return slug;
}

function deriveTeam(issue: JiraIssueView, policy: Policy, teamNames: string, problems: string[]): string | undefined {
  const fieldId = policy.jira.fields.team;
  const fix = fieldId ? 'set the Team field (or add a component) to one of' : 'add a component for the team, one of';
  const field = readField(issue, fieldId);
  if (field.kind === 'unreadable') {
    problems.push(`The Team field ${field.reason}: set it to exactly one of: ${teamNames}.`);
    return undefined;
  }
  if (field.kind === 'text') {
    const team = findTeam(policy, field.text);
    if (!team) problems.push(`The Team field says "${field.text}", which is not a known team: set it to one of: ${teamNames}.`);
    return team?.name;
  }
  const fromComponent = issue.components.map((component) => findTeam(policy, component)).find((team) => team !== undefined);
  if (fromComponent) return fromComponent.name;
  if (issue.components.length > 0) {
    const names = issue.components.map((component) => `"${component}"`).join(', ');
    problems.push(`None of the ticket's components (${names}) is a known team: ${fix}: ${teamNames}.`);
  } else {
    problems.push(`The ticket has no team: ${fix}: ${teamNames}.`);
  }
  return undefined;
}

function deriveModelType(issue: JiraIssueView, policy: Policy, problems: string[]): string | undefined {
  const field = readField(issue, policy.jira.fields.model_type);
  if (field.kind === 'unreadable') {
    problems.push(`The Model type field ${field.reason}: give one type, e.g. "${policy.defaults.model_type}".`);
    return undefined;
  }
  if (field.kind === 'absent') return policy.defaults.model_type;
  const modelType = field.text.toLowerCase();
  if (modelTypeSchema.safeParse(modelType).success) return modelType;
  problems.push(
    `The Model type field "${field.text}" is not a valid model type: use lowercase latin letters, digits, "_" or "-", e.g. "${policy.defaults.model_type}".`,
  );
  return undefined;
}

/**
 * The description the lifecycle gives a model repository. It carries the issue key, which is
 * how a rerun of the repository step recognises the repository as its own.
 */
export function repositoryDescription(modelName: string, issueKey: string): string {
  return `${modelName}: ML model (${issueKey})`;
}

/** Whether a repository with this description was created for the ticket `issueKey`. */
export function isRepositoryOf(description: string | null, issueKey: string): boolean {
  return description?.includes(`(${issueKey})`) ?? false;
}

/** The problem reported on the ticket when the organisation has a repository of the name already. */
export function repositoryNameTakenProblem(repositoryFullName: string, htmlUrl: string, policy: Policy): string {
  const fix = policy.jira.fields.model_name
    ? 'write another name into the Model name field'
    : 'change the summary so that it makes another name';
  return `The repository ${repositoryFullName} already exists and was not created for this ticket (${htmlUrl}): ${fix}, e.g. by adding a version ("-v2").`;
}
