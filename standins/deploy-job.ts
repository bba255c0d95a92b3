import { signJenkinsCallback } from '../src/http/verify-jenkins.ts';
import type { InferenceDeployments, InferenceServiceBehaviour } from './inference-service.ts';
import type { JobRunner, StandInResult } from './jenkins.ts';

/**
 * What deploy/jenkins/deploy.Jenkinsfile does, played by the Jenkins stand-in: by `MODE`,
 * deploys the model's inference service to staging (a fresh inference stand-in on loopback),
 * deploys the canary beside the stable version, promotes the canary to stable, or removes it
 * (rollback); tells Prometheus about the new targets before the build ends; archives the
 * callback's body and sends the signed callback, with `service_url` and `health_url` of a
 * staging or canary deployment in its outputs.
 */
export interface DeployBehaviour {
  /** The build fails in its Deploy stage with these console lines (a cluster that refused the rollout). */
  readonly breakWith?: readonly string[];
  /** How the deployed service behaves (error ratio, latency, a wrong answer field). */
  readonly service?: Partial<InferenceServiceBehaviour>;
  /** Health probes the new deployment answers 503 before it is healthy. */
  readonly unhealthyProbes?: number;
  /** Send no callback. */
  readonly noCallback?: boolean;
}

export interface DeployJobOptions {
  /** The loopback deployments of the world (tests or sandbox). */
  readonly deployments: InferenceDeployments;
  /** JENKINS_CALLBACK_SECRET of the service. */
  readonly callbackSecret: string;
  /** Called after every change of the deployments, before the build ends: point Prometheus at {@link InferenceDeployments.targets}. */
  readonly onTargetsChanged?: (targets: readonly string[]) => Promise<void>;
  /** Per build, by its parameters (e.g. the JIRA_KEY and MODE). */
  readonly behaviour?: (parameters: Readonly<Record<string, string>>) => DeployBehaviour;
}

export function deployJob(options: DeployJobOptions): JobRunner {
  return async (build) => {
    const p = build.parameters;
    const behaviour = options.behaviour?.(p) ?? {};
    const service = p.MODEL_NAME ?? 'model';
    const mode = p.MODE ?? 'staging';
    let result: StandInResult = 'SUCCESS';
    const outputs: Record<string, string> = {};
    try {
      await build.stage('Checkout', async () => build.log(`Deploying ${p.IMAGE ?? '?'} (${service} v${p.MODEL_VERSION ?? '?'}) in mode ${mode}`));
      await build.stage('Deploy', async () => {
        if (behaviour.breakWith) {
          for (const line of behaviour.breakWith) build.log(line);
          throw new Error('script returned exit code 1');
        }
        const version = p.MODEL_VERSION ?? '0';
        const limits = `cpu=${p.CPU_LIMIT ?? '?'} memory=${p.MEMORY_LIMIT ?? '?'}`;
        if (mode === 'staging' || mode === 'canary') {
          const slot = mode === 'staging' ? 'staging' : 'canary';
          const instance = await options.deployments.deploy({
            service,
            slot,
            modelVersion: version,
            ...(behaviour.unhealthyProbes === undefined ? {} : { unhealthyProbes: behaviour.unhealthyProbes }),
            ...behaviour.service,
          });
          build.log(`helm upgrade --install ${service}-${slot} --set image=${p.IMAGE ?? '?'} --set resources.limits.${limits}${slot === 'canary' ? ` --set canary.weight=${p.CANARY_WEIGHT ?? '?'}` : ''}`);
          build.log(`deployment "${service}-${slot}" successfully rolled out at ${instance.url}`);
          outputs.service_url = instance.url;
          outputs.health_url = `${instance.url}/healthz`;
        } else if (mode === 'promote') {
          await options.deployments.promote(service);
          build.log(`helm upgrade ${service} --set image=${p.IMAGE ?? '?'}: canary promoted to 100% of traffic`);
        } else if (mode === 'rollback') {
          const removed = await options.deployments.remove(service, 'canary');
          build.log(removed ? `helm uninstall ${service}-canary: traffic back to the stable version` : `no canary of ${service} to roll back`);
        } else {
          throw new Error(`unknown MODE ${mode}`);
        }
        await options.onTargetsChanged?.(options.deployments.targets());
      });
    } catch (error) {
      result = build.signal.aborted ? 'ABORTED' : 'FAILURE';
      build.log(`ERROR: ${(error as Error).message}`);
    }
    const body = { buildKey: p.BUILD_KEY, jiraKey: p.JIRA_KEY, buildUrl: build.url, result, outputs: result === 'SUCCESS' ? outputs : {} };
    // As the Jenkinsfile: the callback's body is archived, then sent.
    build.archive('callback.json', JSON.stringify(body));
    if (!behaviour.noCallback) await callback(options.callbackSecret, p.CALLBACK_URL, JSON.stringify(body));
    return result;
  };
}

async function callback(secret: string, url: string | undefined, text: string): Promise<void> {
  if (!url) return;
  for (let attempt = 1; attempt <= 6; attempt++) {
    try {
      const headers = { 'content-type': 'application/json', ...signJenkinsCallback(secret, text, Math.floor(Date.now() / 1000)) };
      const response = await fetch(url, { method: 'POST', headers, body: text });
      if (response.status < 500) return;
    } catch {
      // As curl --retry: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}
