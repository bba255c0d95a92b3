import type { Button, KnownBlock } from '@slack/web-api';
import { escapeMrkdwn, type SlackMessage } from './announcements.ts';
import type { Document, Inline } from './document.ts';

/**
 * What the robot says in the review stage, in the words of the platform talk ("you were chosen
 * as reviewer of NEW-123 [my-super-model] Create new model, Developer: @…" with the buttons
 * [PR in my-super-model] [Task in Jira] [Dashboard in Jira]): one Document per Jira comment and
 * one {@link SlackMessage} per Slack message, pure functions of the stage's facts.
 */

/** A person as the messages name them. */
export interface ReviewPerson {
  /** Name shown in Jira and as the fallback in Slack, e.g. "Mia Krystof" or the GitHub login. */
  readonly displayName: string;
  /** GitHub login, shown beside the name in Jira. */
  readonly githubLogin?: string;
  /** Slack user id: the message mentions `<@id>` instead of the name. */
  readonly slackUserId?: string | null;
}

/** The ticket and its links, shared by the Slack messages. */
export interface ReviewTicket {
  readonly issueKey: string;
  readonly summary: string;
  readonly modelName: string;
  /** The review pull request. */
  readonly prUrl: string;
  readonly issueUrl: string;
  /** The model's Jira dashboard; absent → no button. */
  readonly dashboardUrl?: string | null;
}

/** Facts of {@link reviewerChosenSlack}. */
export interface ReviewerChosen extends ReviewTicket {
  readonly developer: ReviewPerson;
  /** Why this reviewer, e.g. "maintainer of team search — your approval is required". */
  readonly reason: string;
}

/** The direct message to a chosen reviewer, with the buttons PR in <model>, Task in Jira, Dashboard in Jira. */
export function reviewerChosenSlack(facts: ReviewerChosen): SlackMessage {
  const title = ticketTitle(facts);
  return {
    text: `You were chosen as reviewer of ${title}. Developer: ${plainName(facts.developer)}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `You were chosen as reviewer of <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}] ${facts.summary}`)}\n*Developer:* ${mention(facts.developer)}\n*Why you:* ${escapeMrkdwn(facts.reason)}`,
        },
      },
      ticketButtons(facts),
    ],
  };
}

/** One chosen reviewer and why. */
export interface ReviewerChoice {
  readonly reviewer: ReviewPerson;
  /** e.g. "maintainer of team search", "from the ML reviewer pool". */
  readonly reason: string;
}

/** Facts of {@link reviewersChosenComment}. */
export interface ReviewersChosen {
  /** The maintainer whose approval is required. */
  readonly required: ReviewerChoice;
  /** The second reviewer from the whole pool; null when the pool had nobody else. */
  readonly second: ReviewerChoice | null;
  readonly prUrl: string;
  /** Reviewers the robot could not tell or set on the ticket, each with its fix (from identity resolution). */
  readonly notices?: readonly string[];
}

/** The REVIEW comment on the ticket: who was chosen, why, and where the review happens. */
export function reviewersChosenComment(facts: ReviewersChosen): Document {
  const items: Inline[][] = [['Required reviewer: ', ...personInline(facts.required.reviewer), ` — ${facts.required.reason}`]];
  if (facts.second) items.push(['Second reviewer: ', ...personInline(facts.second.reviewer), ` — ${facts.second.reason}`]);
  const notices = facts.notices ?? [];
  return {
    blocks: [
      { type: 'heading', text: '[Started] REVIEW' },
      { type: 'paragraph', content: ['Reviewers were chosen for the ', { text: 'pull request', href: facts.prUrl }, ':'] },
      { type: 'bullets', items },
      ...(facts.second ? [] : [{ type: 'paragraph' as const, content: ['The reviewer pool had nobody else, so one review is asked for.'] }]),
      ...(notices.length > 0
        ? [
            { type: 'paragraph' as const, content: [{ text: 'Could not be done:', bold: true }] },
            { type: 'bullets' as const, items: notices.map((notice) => [notice]) },
          ]
        : []),
      { type: 'paragraph', content: [{ text: 'Next:', bold: true }, ' the reviewers approve the pull request or request changes on it.'] },
    ],
  };
}

/** Facts of {@link reviewReminderSlack}. */
export interface ReviewReminder extends ReviewTicket {
  readonly developer: ReviewPerson;
  /** How long the review has waited, in words: "2 days". */
  readonly waitingFor: string;
  /** 1 for the first reminder. */
  readonly reminder: number;
}

/** The direct message reminding a reviewer of a review still waiting. */
export function reviewReminderSlack(facts: ReviewReminder): SlackMessage {
  const title = ticketTitle(facts);
  const nth = facts.reminder > 1 ? ` (reminder ${facts.reminder})` : '';
  return {
    text: `Reminder${nth}: ${title} has waited ${facts.waitingFor} for your review. Developer: ${plainName(facts.developer)}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Reminder${escapeMrkdwn(nth)}:* <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}] ${facts.summary}`)} has waited *${escapeMrkdwn(facts.waitingFor)}* for your review.\n*Developer:* ${mention(facts.developer)}`,
        },
      },
      ticketButtons(facts),
    ],
  };
}

/** Facts of {@link reviewerReplacedComment}. */
export interface ReviewerReplaced {
  readonly previous: ReviewPerson;
  readonly next: ReviewPerson;
  /** "required reviewer" or "second reviewer". */
  readonly role: string;
  /** Why, e.g. "carol did not answer within 2 days". */
  readonly reason: string;
  readonly prUrl: string;
}

/** The comment when a reviewer is replaced. */
export function reviewerReplacedComment(facts: ReviewerReplaced): Document {
  return {
    blocks: [
      { type: 'heading', text: '[Changed] REVIEW' },
      {
        type: 'paragraph',
        content: [
          ...personInline(facts.next),
          ` replaces `,
          ...personInline(facts.previous),
          ` as ${facts.role} of the `,
          { text: 'pull request', href: facts.prUrl },
          `: ${facts.reason}.`,
        ],
      },
    ],
  };
}

/** Facts of {@link changesRequestedComment} and {@link changesRequestedSlack}. */
export interface ChangesRequested extends ReviewTicket {
  readonly reviewer: ReviewPerson;
  readonly developer: ReviewPerson;
  /** The review on GitHub; absent → the pull request is linked. */
  readonly reviewUrl?: string | null;
  /** The review's own words, quoted (trimmed to a few hundred characters). */
  readonly comment?: string | null;
}

/** Longest review text quoted; the rest is on GitHub. */
const QUOTED_REVIEW_CHARS = 500;

/** The comment when a reviewer requests changes. */
export function changesRequestedComment(facts: ChangesRequested): Document {
  const quote = quoted(facts.comment);
  return {
    blocks: [
      { type: 'heading', text: '[Changes requested] REVIEW' },
      {
        type: 'paragraph',
        content: [...personInline(facts.reviewer), ' requested changes on the ', { text: 'pull request', href: facts.reviewUrl ?? facts.prUrl }, '.'],
      },
      ...(quote === '' ? [] : [{ type: 'code' as const, text: quote }]),
      {
        type: 'paragraph',
        content: [{ text: 'Next:', bold: true }, ` ${facts.developer.displayName} pushes the changes to the pull request; the reviewers then review again.`],
      },
    ],
  };
}

/** The direct message to the developer when a reviewer requests changes. */
export function changesRequestedSlack(facts: ChangesRequested): SlackMessage {
  const title = ticketTitle(facts);
  const quote = quoted(facts.comment);
  const reviewLink = facts.reviewUrl ?? facts.prUrl;
  return {
    text: `${plainName(facts.reviewer)} requested changes on ${title}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${mention(facts.reviewer)} <${reviewLink}|requested changes> on <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}] ${facts.summary}`)}${quote === '' ? '' : `\n${quoteMrkdwn(quote)}`}`,
        },
      },
      ticketButtons(facts),
    ],
  };
}

/** Facts of {@link newCommitsSlack}. */
export interface NewCommitsToReviewer extends ReviewTicket {
  readonly prNumber: number;
  /** The pull request's head now, to be built and tested. */
  readonly headSha: string;
}

/** The direct message to a reviewer when new commits come during the review: they are built and tested first, then the review is asked again. */
export function newCommitsSlack(facts: NewCommitsToReviewer): SlackMessage {
  const head = facts.headSha.slice(0, 7);
  return {
    text: `New commits in ${ticketTitle(facts)} (${head}) are being built and tested; your review will be asked again on the same pull request.`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:arrows_counterclockwise: New commits in <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}] ${facts.summary}`)}: the <${facts.prUrl}|pull request #${facts.prNumber}> is now at \`${head}\`.\nThey are being built and tested; your review will be asked again on the same pull request, and only an approval of the built commit counts.`,
        },
      },
      ticketButtons(facts),
    ],
  };
}

function ticketTitle(ticket: ReviewTicket): string {
  return `${ticket.issueKey} [${ticket.modelName}] ${ticket.summary}`;
}

function ticketButtons(ticket: ReviewTicket): KnownBlock {
  const elements: Button[] = [
    button(`PR in ${ticket.modelName}`, ticket.prUrl, 'open_pull_request'),
    button('Task in Jira', ticket.issueUrl, 'open_issue'),
    ...(ticket.dashboardUrl ? [button('Dashboard in Jira', ticket.dashboardUrl, 'open_dashboard')] : []),
  ];
  return { type: 'actions', elements };
}

function button(label: string, url: string, actionId: string): Button {
  // Slack limits button text to 75 characters.
  return { type: 'button', text: { type: 'plain_text', text: label.slice(0, 75) }, url, action_id: actionId };
}

/** `<@U…>` when the Slack id is known (Slack shows the person's current name), else the name. */
function mention(person: ReviewPerson): string {
  return person.slackUserId ? `<@${person.slackUserId}>` : escapeMrkdwn(person.displayName);
}

/** The notification text cannot mention: `@name`. */
function plainName(person: ReviewPerson): string {
  return `@${person.displayName}`;
}

function personInline(person: ReviewPerson): Inline[] {
  return [{ text: person.displayName, bold: true }, ...(person.githubLogin && person.githubLogin !== person.displayName ? [` (${person.githubLogin})`] : [])];
}

function quoted(comment: string | null | undefined): string {
  const text = (comment ?? '').trim();
  return text.length > QUOTED_REVIEW_CHARS ? `${text.slice(0, QUOTED_REVIEW_CHARS)}…` : text;
}

function quoteMrkdwn(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${escapeMrkdwn(line)}`)
    .join('\n');
}
