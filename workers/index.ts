import type { GitHubClient } from '../src/clients/github.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { JupyterHubClient } from '../src/clients/jupyterhub.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import type { EngineClient } from '../src/engine/camunda7/rest.ts';
import type { AnyWorker } from '../src/runtime/worker.ts';
import { createConfigureRepository } from './github-repo-configure.ts';
import { createRepository } from './github-repo-create.ts';
import { createTransitionIssue } from './jira-issue-transition.ts';
import { createCheckStatus } from './jira-status-check.ts';
import { createLinkRepository } from './jira-ticket-link-repo.ts';
import { createReadTicket } from './jira-ticket-read.ts';
import { createReportInvalidRequest } from './jira-ticket-report-invalid.ts';
import { createStartResearchServer } from './jupyterhub-server-start.ts';
import { createGuardSingleLifecycle } from './lifecycle-guard-single.ts';
import { createNotifyTeam } from './slack-team-notify-repo.ts';

/** Long-lived clients and settings, wired once in the composition root. */
export interface WorkerDeps {
  readonly engine: EngineClient;
  readonly jira: JiraClient;
  readonly github: GitHubClient;
  readonly slack: SlackClient;
  /** Absent when JupyterHub is not configured; the BPMN then skips the research server. */
  readonly jupyterhub: JupyterHubClient | null;
  readonly policy: Policy;
  /** The browser address of a Jira issue. */
  readonly issueUrl: (key: string) => string;
}

/** Every step of the lifecycle, each bound to its dependencies. */
export function createWorkers(deps: WorkerDeps): AnyWorker[] {
  const workers: AnyWorker[] = [
    createGuardSingleLifecycle(deps),
    createReadTicket(deps),
    createReportInvalidRequest(deps),
    createRepository(deps),
    createConfigureRepository(deps),
    createLinkRepository(deps),
    createTransitionIssue(deps),
    createNotifyTeam(deps),
    createCheckStatus(deps),
  ];
  if (deps.jupyterhub) workers.push(createStartResearchServer({ jupyterhub: deps.jupyterhub, policy: deps.policy }));
  return workers;
}
