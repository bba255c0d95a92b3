import type { Repository } from '../src/domain/lifecycle-variables.ts';
import type { ModelRequest } from '../src/domain/model-request.ts';
import { renderModelToml } from '../src/domain/model-toml.ts';

/** Values the workers' examples share: one model ticket, MLM-42, as it moves through the steps. */
export const exampleModelRequest: ModelRequest = {
  issueKey: 'MLM-42',
  modelName: 'churn-predictor',
  team: 'search',
  modelType: 'classification',
  repoName: 'churn-predictor',
  developer: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
  modelToml: renderModelToml(
    {
      model: { model_name: 'churn-predictor', model_version: 1, model_type: 'classification', team: 'search' },
      runtime: { python_version: '3.11' },
      inference_resources: { cpu_limit: '500m', memory_limit: '1Gi' },
      train_resources: { memory_limit: '4Gi', cpus_number: 2, gpus_number: 0 },
      train_metrics: { recall: { min: 0.9 } },
      dvc: { train_dataset_name: 'churn-predictor-train' },
      stat_monitoring: { sampling_ratio: 0.1 },
    },
    { issueKey: 'MLM-42' },
  ),
};

export const exampleRepository: Repository = {
  fullName: 'acme-ml/churn-predictor',
  htmlUrl: 'https://github.com/acme-ml/churn-predictor',
  defaultBranch: 'main',
};
