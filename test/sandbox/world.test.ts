import { afterEach, describe, expect, it } from 'vitest';
import { sandboxDeployBehaviour } from '../../sandbox/world.ts';
import type { ToggleName } from '../../sandbox/view.ts';
import { deployJob } from '../../standins/deploy-job.ts';
import { InferenceDeployments } from '../../standins/inference-service.ts';
import type { StandInBuildContext } from '../../standins/jenkins.ts';

/**
 * The sandbox's failure switches for delivery, through the real deploy job and inference
 * stand-ins on loopback: each acts on the next matching deployment only.
 */
const SERVICE = 'iris-classifier';
const iris = { instances: [{ sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 }, { sepal_length_cm: 6.0, sepal_width_cm: 2.7, petal_length_cm: 4.2, petal_width_cm: 1.3 }] };

let deployments: InferenceDeployments;

afterEach(async () => {
  await deployments?.stopAll();
});

async function world(on: ToggleName[]) {
  const toggles = new Set<ToggleName>(on);
  const take = (name: ToggleName) => toggles.delete(name);
  deployments = new InferenceDeployments({ requestsPerSecond: 0 });
  // The deploy job as the Jenkins stand-in runs it, without a callback URL (nothing listens here).
  const run = deployJob({ deployments, callbackSecret: 's', behaviour: (parameters) => sandboxDeployBehaviour(parameters, take) });
  let number = 0;
  const deploy = async (mode: string) => {
    number += 1;
    const context: StandInBuildContext = {
      jobPath: 'ml/deploy-inference',
      number,
      url: `http://jenkins.test/job/ml/job/deploy-inference/${number}/`,
      parameters: { MODE: mode, MODEL_NAME: SERVICE, MODEL_VERSION: '1' },
      log: () => undefined,
      stage: async (_name, work) => work(),
      signal: new AbortController().signal,
      archive: () => undefined,
      publishTestReport: () => undefined,
    };
    expect(await run(context)).toBe('SUCCESS');
    return deployments.get(SERVICE, mode === 'canary' ? 'canary' : 'staging');
  };
  return { toggles, deploy };
}

const health = async (url: string) => (await fetch(`${url}/healthz`)).status;
const predict = async (url: string) => (await (await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(iris) })).json()) as { predictions: Array<{ species: string }> };

describe('the sandbox switches for delivery', () => {
  it('"staging never gets healthy": the next staging deployment answers its probes 503, the one after is healthy', async () => {
    const { toggles, deploy } = await world(['stagingUnhealthy']);
    const first = await deploy('staging');
    for (let probe = 0; probe < 5; probe++) expect(await health(first?.url ?? '')).toBe(503);
    expect(toggles.has('stagingUnhealthy')).toBe(false);
    const second = await deploy('staging');
    expect(await health(second?.url ?? '')).toBe(200);
  });

  it('"staging answers wrong": the next staging deployment gets the second prediction\'s species wrong, once', async () => {
    const { deploy } = await world(['stagingWrongAnswer']);
    const wrong = await deploy('staging');
    expect(await health(wrong?.url ?? '')).toBe(200);
    expect((await predict(wrong?.url ?? '')).predictions.map((p) => p.species)).toEqual(['setosa', 'setosa']);
    const right = await deploy('staging');
    expect((await predict(right?.url ?? '')).predictions.map((p) => p.species)).toEqual(['setosa', 'versicolor']);
  });

  it('"canary raises its error rate" acts on the next canary, not on staging', async () => {
    const { toggles, deploy } = await world(['canaryErrorRate']);
    const staging = await deploy('staging');
    expect(staging?.settings.errorRatio).toBe(0);
    expect(toggles.has('canaryErrorRate')).toBe(true);
    const canary = await deploy('canary');
    expect(canary?.settings.errorRatio).toBe(0.3);
    expect(toggles.size).toBe(0);
  });
});
