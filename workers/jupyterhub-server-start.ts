import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JupyterHubClient } from '../src/clients/jupyterhub.ts';
import type { Policy } from '../src/config/policy.ts';
import { researchServerUrl } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema, type ModelRequest } from '../src/domain/model-request.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest } from './examples.ts';

/** Starts (or finds running) the developer's named JupyterHub server for the research phase. */
export function createStartResearchServer(deps: { jupyterhub: JupyterHubClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.startResearchServer,
    description: "Starts the developer's named research server on JupyterHub",
    input: z.object({ modelRequest: modelRequestSchema }),
    output: z.object({ researchServerUrl }),
    errors: {},
    examples: [
      {
        title: "Mia's research server",
        input: { modelRequest: exampleModelRequest },
        outcome: { kind: 'complete', variables: { researchServerUrl: 'https://hub.acme.test/user/mia/research/' } },
      },
    ],
    async run(ctx) {
      const user = jupyterUser(ctx.input.modelRequest.developer, deps.policy.jupyterhub.username_from);
      const server = await deps.jupyterhub.startNamedServer({ user, serverName: deps.policy.jupyterhub.server_name });
      ctx.log.info({ user, state: server.state }, 'research server requested');
      return ctx.complete({ researchServerUrl: server.url });
    },
  });
}

function jupyterUser(developer: ModelRequest['developer'], from: Policy['jupyterhub']['username_from']): string {
  const user = from === 'jira_name' ? developer.name : developer.emailAddress?.split('@')[0];
  if (!user) {
    throw new InvalidTaskInputError(
      `the developer ${developer.displayName} has no ${from === 'jira_name' ? 'Jira user name' : 'e-mail address visible to the service'} in Jira, ` +
        'so no JupyterHub user can be named; change jupyterhub.username_from in the policy file or the Jira profile, then retry the incident',
    );
  }
  return user.toLowerCase();
}
