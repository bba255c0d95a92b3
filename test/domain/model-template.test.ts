import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelToml } from '../../src/domain/model-toml.ts';
import { MODEL_TEMPLATE_DIR, readTemplateDirectory } from '../../standins/github.ts';

// The model repository template (deploy/model-template/): the seed's layout, a model.toml the
// service accepts, and the recorded predict request with the answer train.py's model gives.

const read = (path: string) => readFileSync(join(MODEL_TEMPLATE_DIR, path), 'utf8');

describe('the model repository template', () => {
  it('has a model.toml that the service reads without a problem', () => {
    const parsed = parseModelToml(read('model.toml'));
    if (!parsed.ok) throw new Error(parsed.errors.map((error) => `${error.path}: ${error.message}`).join('\n'));
    expect(parsed.value).toMatchObject({
      model: { model_name: 'iris-classifier', model_version: 1, model_type: 'classification' },
      runtime: { python_version: '3.11' },
      train_resources: { gpus_number: 0 },
      train_metrics: { recall: { min: 0.9 } },
    });
  });

  it('has every file of the seed layout, each explained in its README', () => {
    const layout = [
      'model.toml',
      'requirements.txt',
      'train_system_libs.txt',
      'inference_requirements.txt',
      'inference_system_libs.txt',
      'ml_model/train/train.py',
      'ml_model/inference/inference.py',
      'ml_model/shared/__init__.py',
      'tests_functional/v1_predict/test_request_01.json',
      'tests_functional/v1_predict/test_request_01_response.json',
      'openapi.yaml',
      'README.md',
    ];
    for (const path of layout) expect(existsSync(join(MODEL_TEMPLATE_DIR, path)), path).toBe(true);
    const readme = read('README.md');
    for (const path of layout.filter((path) => path !== 'README.md')) {
      const named = path.replace(/_01(_response)?\.json$/, '_NN.json').replace(/\/__init__\.py$/, '/');
      expect(readme, path).toContain(`\`${named}\``);
    }
  });

  it('pins the same packages for inference as for training', () => {
    const pins = (path: string) => read(path).split('\n').filter((line) => /^[A-Za-z0-9_.-]+==/.test(line));
    expect(pins('inference_requirements.txt')).toEqual(pins('requirements.txt'));
  });

  it('records a predict request, one answer per flower, in the contract openapi.yaml declares', () => {
    const request = JSON.parse(read('tests_functional/v1_predict/test_request_01.json')) as { instances: Array<Record<string, number>> };
    const response = JSON.parse(read('tests_functional/v1_predict/test_request_01_response.json')) as { predictions: Array<{ class_id: number; species: string }> };
    expect(response.predictions).toHaveLength(request.instances.length);
    expect(response.predictions).toEqual([
      { class_id: 0, species: 'setosa' },
      { class_id: 1, species: 'versicolor' },
      { class_id: 2, species: 'virginica' },
    ]);
    const openapi = read('openapi.yaml');
    expect(openapi).toMatch(/^ {2}\/v1\/predict:$/m);
    for (const feature of Object.keys(request.instances[0] ?? {})) expect(openapi).toContain(`${feature}:`);
  });

  it('is read as repository files, without caches', () => {
    const files = readTemplateDirectory();
    expect(Object.keys(files)).toContain('ml_model/train/train.py');
    expect(Object.keys(files).filter((path) => /__pycache__|\.pyc$|_cache\//.test(path))).toEqual([]);
  });
});
