import type { Button, KnownBlock } from '@slack/web-api';
import type { Document } from './document.ts';
import type { Repository } from './lifecycle-variables.ts';
import type { ModelRequest } from './model-request.ts';

/**
 * What the robot says at each stage, as pure functions of the stage's facts: the Jira comment
 * (a Document the Jira client renders for Cloud or Data Center) and the Slack message.
 */

export interface RepositoryCreated {
  readonly request: ModelRequest;
  readonly repository: Repository;
  readonly researchServerUrl?: string | null;
  readonly issueUrl: string;
}

export function repositoryCreatedComment(facts: RepositoryCreated): Document {
  const { request, repository, researchServerUrl } = facts;
  const next: Document['blocks'][number] = {
    type: 'paragraph',
    content: [
      'Next: research in the repository, then move this ticket to ',
      { text: 'Ready for training', bold: true },
      ' to start training.',
    ],
  };
  return {
    blocks: [
      { type: 'heading', text: '[Success] REPOSITORY' },
      {
        type: 'paragraph',
        content: ['The model repository ', { text: repository.fullName, href: repository.htmlUrl }, ' was created from the template.'],
      },
      {
        type: 'bullets',
        items: [
          ['Model: ', { text: request.modelName, code: true }, ` (${request.modelType})`],
          ['Team: ', request.team],
          ['Developer: ', request.developer.displayName],
          ['Config: ', { text: 'model.toml', href: `${repository.htmlUrl}/blob/${repository.defaultBranch}/model.toml` }],
          ...(researchServerUrl ? [['Research server: ', { text: researchServerUrl, href: researchServerUrl }]] : []),
        ],
      },
      next,
    ],
  };
}

export function requestInvalidComment(problems: readonly string[]): Document {
  return {
    blocks: [
      { type: 'heading', text: '[Failed] MODEL_REQUEST' },
      { type: 'paragraph', content: ['The model repository cannot be created yet. Please fix the ticket:'] },
      { type: 'bullets', items: problems.map((problem) => [problem]) },
      { type: 'paragraph', content: ['The lifecycle picks the change up as soon as the ticket is edited.'] },
    ],
  };
}

/** A Slack message as chat.postMessage takes it: fallback text plus Block Kit blocks. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly KnownBlock[];
}

export function repositoryCreatedSlack(facts: RepositoryCreated): SlackMessage {
  const { request, repository, researchServerUrl, issueUrl } = facts;
  const text = `Repository created for ${request.modelName} (${request.issueKey}): ${repository.htmlUrl}`;
  const buttons: Button[] = [
    button(`Repository ${repository.fullName}`, repository.htmlUrl, 'open_repository'),
    button(`Task in Jira`, issueUrl, 'open_issue'),
    ...(researchServerUrl ? [button('Research server', researchServerUrl, 'open_research_server')] : []),
  ];
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*New model repository* for <${issueUrl}|${escapeMrkdwn(request.issueKey)}>\n*Model:* ${escapeMrkdwn(request.modelName)} (${escapeMrkdwn(request.modelType)})\n*Team:* ${escapeMrkdwn(request.team)}\n*Developer:* ${escapeMrkdwn(request.developer.displayName)}`,
        },
      },
      { type: 'actions', elements: buttons },
    ],
  };
}

function button(label: string, url: string, actionId: string): Button {
  // Slack limits button text to 75 characters.
  return { type: 'button', text: { type: 'plain_text', text: label.slice(0, 75) }, url, action_id: actionId };
}

/** Slack mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The comment when the inference build does not start: the lifecycle used its build attempts. */
export function buildBlockedComment(reason: string): Document {
  return {
    blocks: [
      { type: 'heading', text: '[Failed] BUILD_RESULT' },
      { type: 'paragraph', content: ['The inference build did not start. ', reason] },
    ],
  };
}
