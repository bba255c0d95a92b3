import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy, type Policy } from '../../src/config/policy.ts';
import type { JiraIssueView } from '../../src/domain/jira-issue.ts';
import { deriveModelRequest, modelRequestSchema, slugifyModelName, type ModelRequest } from '../../src/domain/model-request.ts';
import { parseModelToml } from '../../src/domain/model-toml.ts';

function policyWith(extra: { fields?: string; defaults?: string } = {}): Policy {
  let text = readFileSync(new URL('../../config/policy.example.toml', import.meta.url), 'utf8');
  if (extra.fields) text = text.replace('[jira.fields]\n', `[jira.fields]\n${extra.fields}\n`);
  if (extra.defaults) text = text.replace('[defaults]\n', `[defaults]\n${extra.defaults}\n`);
  const result = parsePolicy(text, 'policy.toml');
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.policy;
}

const policy = policyWith();
const withFields = policyWith({
  fields: 'model_name = "customfield_10100"\nteam = "customfield_10101"\nmodel_type = "customfield_10102"',
});

const ivan = { accountId: '5b10a2844c20165700ede21g', displayName: 'Ivan Ivanov', emailAddress: 'ivan@acme.example' };
const maria = { name: 'mmashina', displayName: 'Maria Mashina' };

function issue(overrides: Partial<JiraIssueView> = {}): JiraIssueView {
  return {
    key: 'MLM-42',
    id: '10042',
    summary: 'Churn forecast (v2)',
    status: 'Research',
    issueType: 'Model',
    projectKey: 'MLM',
    reporter: maria,
    assignee: ivan,
    components: ['search'],
    labels: [],
    fields: {},
    ...overrides,
  };
}

function requestOf(view: JiraIssueView, p: Policy = policy): ModelRequest {
  const result = deriveModelRequest(view, p);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.request;
}

function problemsOf(view: JiraIssueView, p: Policy = policy): string[] {
  const result = deriveModelRequest(view, p);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('deriveModelRequest', () => {
  it('derives the request from the summary, the first component and the assignee', () => {
    const request = requestOf(issue());
    expect(request).toEqual({
      issueKey: 'MLM-42',
      modelName: 'churn-forecast-v2',
      team: 'search',
      modelType: 'classification',
      repoName: 'churn-forecast-v2',
      developer: ivan,
      modelToml: expect.any(String),
    });
    expect(modelRequestSchema.parse(request)).toEqual(request);
  });

  it('renders a model.toml that validates and carries the ticket and the policy defaults', () => {
    const { modelToml } = requestOf(issue(), policyWith({ defaults: 'train_dataset_name = "shared-events"' }));
    expect(modelToml).toContain('Jira ticket MLM-42');
    expect(parseModelToml(modelToml)).toEqual({
      ok: true,
      value: {
        model: { model_name: 'churn-forecast-v2', model_version: 1, model_type: 'classification', team: 'search' },
        runtime: { python_version: '3.11' },
        inference_resources: { cpu_limit: '500m', memory_limit: '1Gi' },
        train_resources: { memory_limit: '4Gi', cpus_number: 2, gpus_number: 0 },
        train_metrics: {},
        dvc: { train_dataset_name: 'shared-events' },
        stat_monitoring: { sampling_ratio: 0.1 },
      },
    });
  });

  it('names the dataset after the model when the policy gives none', () => {
    const toml = parseModelToml(requestOf(issue()).modelToml);
    expect(toml.ok && toml.value.dvc.train_dataset_name).toBe('churn-forecast-v2-train');
  });

  it('copies the default metric gates into model.toml', () => {
    const text = readFileSync(new URL('../../config/policy.example.toml', import.meta.url), 'utf8').replace(
      '# recall.min = 0.9',
      'recall.min = 0.9\n"val/loss".max = 0.4',
    );
    const parsed = parsePolicy(text, 'policy.toml');
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const toml = parseModelToml(requestOf(issue(), parsed.policy).modelToml);
    expect(toml.ok && toml.value.train_metrics).toEqual({ recall: { min: 0.9 }, 'val/loss': { max: 0.4 } });
  });

  it('takes name, team and type from the custom fields the policy names', () => {
    const request = requestOf(
      issue({
        components: [],
        fields: { customfield_10100: 'price-elasticity', customfield_10101: { value: 'Pricing', id: '1' }, customfield_10102: { value: 'Regression' } },
      }),
      withFields,
    );
    expect(request).toMatchObject({ modelName: 'price-elasticity', repoName: 'price-elasticity', team: 'pricing', modelType: 'regression' });
  });

  it('falls back to summary, component and default type when the fields are empty', () => {
    const request = requestOf(issue({ fields: { customfield_10100: null, customfield_10101: null, customfield_10102: '' } }), withFields);
    expect(request).toMatchObject({ modelName: 'churn-forecast-v2', team: 'search', modelType: 'classification' });
  });

  it('uses the first component that names a team', () => {
    expect(requestOf(issue({ components: ['backend', 'Pricing', 'search'] })).team).toBe('pricing');
  });

  it('takes the reporter as developer when nobody is assigned', () => {
    expect(requestOf(issue({ assignee: null })).developer).toEqual(maria);
  });

  it('tells the data scientist how to give a team', () => {
    expect(problemsOf(issue({ components: [] }), withFields)).toEqual([
      'The ticket has no team: set the Team field (or add a component) to one of: search, pricing.',
    ]);
    expect(problemsOf(issue({ components: [] }))).toEqual(['The ticket has no team: add a component for the team, one of: search, pricing.']);
    expect(problemsOf(issue({ components: ['backend'] }))).toEqual([
      'None of the ticket\'s components ("backend") is a known team: add a component for the team, one of: search, pricing.',
    ]);
    expect(problemsOf(issue({ fields: { customfield_10101: 'Serch' } }), withFields)).toEqual([
      'The Team field says "Serch", which is not a known team: set it to one of: search, pricing.',
    ]);
  });

  it('lists every problem of the ticket at once', () => {
    expect(
      problemsOf(
        issue({
          summary: 'Создать новую модель',
          components: [],
          assignee: null,
          reporter: null,
          fields: { customfield_10102: 'Deep Learning!' },
        }),
        withFields,
      ),
    ).toEqual([
      'The model name cannot be made from the summary "Создать новую модель": fill in the Model name field, e.g. "churn-forecast".',
      'The ticket has no team: set the Team field (or add a component) to one of: search, pricing.',
      'The Model type field "Deep Learning!" is not a valid model type: use lowercase latin letters, digits, "_" or "-", e.g. "classification".',
      'The ticket has neither an assignee nor a reporter: assign it to the data scientist who will develop the model.',
    ]);
  });

  it('does not rewrite a model name given in its field, but suggests one', () => {
    expect(problemsOf(issue({ fields: { customfield_10100: 'Price Elasticity' } }), withFields)).toEqual([
      'The Model name field "Price Elasticity" is not a valid model name: use lowercase latin letters, digits and single dashes, at most 64 characters, e.g. "price-elasticity".',
    ]);
  });

  it('asks for one value when a multi-value field has several', () => {
    expect(problemsOf(issue({ fields: { customfield_10101: [{ value: 'search' }, { value: 'pricing' }] } }), withFields)).toEqual([
      'The Team field has several values: set it to exactly one of: search, pricing.',
    ]);
    expect(requestOf(issue({ fields: { customfield_10101: [{ value: 'pricing' }] } }), withFields).team).toBe('pricing');
  });
});

describe('slugifyModelName', () => {
  it.each([
    ['Churn forecast (v2)', 'churn-forecast-v2'],
    ['  --Café Crème: ranking--  ', 'cafe-creme-ranking'],
    ['my_super_model', 'my-super-model'],
    ['ML-MODEL-TEST-GPU', 'ml-model-test-gpu'],
    ['Создать модель', ''],
    ['[NEW-123] my-super-model', 'new-123-my-super-model'],
  ])('%j → %j', (summary, slug) => {
    expect(slugifyModelName(summary)).toBe(slug);
  });

  it('keeps at most 64 characters and never ends with a dash', () => {
    const slug = slugifyModelName(`${'a'.repeat(63)} tail`);
    expect(slug).toBe('a'.repeat(63));
    expect(slugifyModelName('x'.repeat(100))).toHaveLength(64);
  });
});
