import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../src/domain/announcements.ts';
import {
  changesRequestedComment,
  changesRequestedSlack,
  newCommitsSlack,
  reviewerChosenSlack,
  reviewerReplacedComment,
  reviewersChosenComment,
  reviewReminderSlack,
} from '../../src/domain/review-announcements.ts';

const ticket = {
  issueKey: 'MLM-123',
  summary: 'Create new model',
  modelName: 'my-super-model',
  prUrl: 'https://github.com/acme-ml/my-super-model/pull/7',
  issueUrl: 'https://acme.atlassian.net/browse/MLM-123',
  dashboardUrl: 'https://acme.atlassian.net/jira/dashboards/10042',
};
const mia = { displayName: 'Mia Krystof', githubLogin: 'mia', slackUserId: 'U0MIA00001' };
const carol = { displayName: 'Carol Danvers', githubLogin: 'carol' };
const dave = { displayName: 'dave', githubLogin: 'dave' };

function buttons(message: SlackMessage): Array<{ label: string; url: string }> {
  const actions = message.blocks.find((block) => block.type === 'actions') as { elements: Array<{ url: string; text: { text: string } }> };
  return actions.elements.map((element) => ({ label: element.text.text, url: element.url }));
}

function section(message: SlackMessage): string {
  return (message.blocks[0] as { text: { text: string } }).text.text;
}

describe('reviewerChosenSlack', () => {
  it('says the reviewer was chosen, for which ticket, who develops it, with the three buttons of the talk', () => {
    const message = reviewerChosenSlack({ ...ticket, developer: mia, reason: 'maintainer of team search — your approval is required' });
    expect(message.text).toBe('You were chosen as reviewer of MLM-123 [my-super-model] Create new model. Developer: @Mia Krystof');
    expect(section(message)).toBe(
      'You were chosen as reviewer of <https://acme.atlassian.net/browse/MLM-123|MLM-123> [my-super-model] Create new model\n*Developer:* <@U0MIA00001>\n*Why you:* maintainer of team search — your approval is required',
    );
    expect(buttons(message)).toEqual([
      { label: 'PR in my-super-model', url: ticket.prUrl },
      { label: 'Task in Jira', url: ticket.issueUrl },
      { label: 'Dashboard in Jira', url: ticket.dashboardUrl },
    ]);
  });

  it('names a developer without a Slack id, escapes mrkdwn, and leaves out a dashboard it does not have', () => {
    const message = reviewerChosenSlack({ ...ticket, summary: 'A <b> & c', dashboardUrl: null, developer: { displayName: 'Mia <M>' }, reason: 'from the ML reviewer pool' });
    expect(section(message)).toContain('[my-super-model] A &lt;b&gt; &amp; c\n*Developer:* Mia &lt;M&gt;');
    expect(buttons(message).map((entry) => entry.label)).toEqual(['PR in my-super-model', 'Task in Jira']);
  });

  it('keeps button labels within Slack’s 75 characters', () => {
    const message = reviewerChosenSlack({ ...ticket, modelName: 'm'.repeat(100), developer: mia, reason: 'x' });
    expect(buttons(message)[0]?.label).toHaveLength(75);
  });
});

describe('reviewersChosenComment', () => {
  it('names both reviewers, why each, and links the pull request', () => {
    const comment = reviewersChosenComment({
      required: { reviewer: carol, reason: 'maintainer of team search' },
      second: { reviewer: dave, reason: 'from the ML reviewer pool' },
      prUrl: ticket.prUrl,
    });
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Started] REVIEW' });
    expect(comment.blocks[1]).toEqual({ type: 'paragraph', content: ['Reviewers were chosen for the ', { text: 'pull request', href: ticket.prUrl }, ':'] });
    expect(comment.blocks[2]).toEqual({
      type: 'bullets',
      items: [
        ['Required reviewer: ', { text: 'Carol Danvers', bold: true }, ' (carol)', ' — maintainer of team search'],
        ['Second reviewer: ', { text: 'dave', bold: true }, ' — from the ML reviewer pool'],
      ],
    });
    expect(JSON.stringify(comment)).not.toContain('Could not be done');
  });

  it('says when there is no second reviewer, and lists what could not be done', () => {
    const comment = reviewersChosenComment({
      required: { reviewer: carol, reason: 'maintainer of team search' },
      second: null,
      prUrl: ticket.prUrl,
      notices: ['carol has no e-mail in the directory … — add `carol = "U0123"` under [reviewers.slack_users]'],
    });
    const text = JSON.stringify(comment);
    expect(text).toContain('The reviewer pool had nobody else');
    expect(text).toContain('Could not be done:');
    expect(text).toContain('[reviewers.slack_users]');
    expect(text).not.toContain('Second reviewer');
  });
});

describe('reviewReminderSlack', () => {
  it('says how long the review has waited, with the same buttons', () => {
    const first = reviewReminderSlack({ ...ticket, developer: mia, waitingFor: '2 days', reminder: 1 });
    expect(first.text).toBe('Reminder: MLM-123 [my-super-model] Create new model has waited 2 days for your review. Developer: @Mia Krystof');
    expect(buttons(first).map((entry) => entry.label)).toEqual(['PR in my-super-model', 'Task in Jira', 'Dashboard in Jira']);
    expect(reviewReminderSlack({ ...ticket, developer: mia, waitingFor: '4 days', reminder: 2 }).text).toMatch(/^Reminder \(reminder 2\): /);
  });
});

describe('reviewerReplacedComment', () => {
  it('says who replaces whom, in which role, and why', () => {
    const comment = reviewerReplacedComment({ previous: carol, next: dave, role: 'second reviewer', reason: 'Carol Danvers did not answer within 2 days', prUrl: ticket.prUrl });
    expect(comment.blocks).toEqual([
      { type: 'heading', text: '[Changed] REVIEW' },
      {
        type: 'paragraph',
        content: [
          { text: 'dave', bold: true },
          ' replaces ',
          { text: 'Carol Danvers', bold: true },
          ' (carol)',
          ' as second reviewer of the ',
          { text: 'pull request', href: ticket.prUrl },
          ': Carol Danvers did not answer within 2 days.',
        ],
      },
    ]);
  });
});

describe('changes requested', () => {
  const facts = { ...ticket, reviewer: { ...carol, slackUserId: 'U0CAROL001' }, developer: mia, reviewUrl: `${ticket.prUrl}#pullrequestreview-1`, comment: 'Please pin numpy.\nAnd add a test.' };

  it('on the ticket: who, a link to the review, its words, and what comes next', () => {
    const comment = changesRequestedComment(facts);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Changes requested] REVIEW' });
    expect(comment.blocks[1]).toEqual({
      type: 'paragraph',
      content: [{ text: 'Carol Danvers', bold: true }, ' (carol)', ' requested changes on the ', { text: 'pull request', href: facts.reviewUrl }, '.'],
    });
    expect(comment.blocks[2]).toEqual({ type: 'code', text: 'Please pin numpy.\nAnd add a test.' });
    expect(JSON.stringify(comment.blocks[3])).toContain('Mia Krystof pushes the changes');
    expect(changesRequestedComment({ ...facts, comment: null, reviewUrl: null }).blocks.map((block) => block.type)).toEqual(['heading', 'paragraph', 'paragraph']);
    expect((changesRequestedComment({ ...facts, comment: 'x'.repeat(600) }).blocks[2] as { text: string }).text).toHaveLength(501);
  });

  it('in Slack to the developer: the reviewer mentioned, the review quoted, the buttons', () => {
    const message = changesRequestedSlack(facts);
    expect(message.text).toBe('@Carol Danvers requested changes on MLM-123 [my-super-model] Create new model');
    expect(section(message)).toBe(
      `<@U0CAROL001> <${facts.reviewUrl}|requested changes> on <${ticket.issueUrl}|MLM-123> [my-super-model] Create new model\n>Please pin numpy.\n>And add a test.`,
    );
    expect(buttons(message)).toHaveLength(3);
  });
});

describe('newCommitsSlack', () => {
  it('tells a reviewer the new head is built and tested and the review will be asked again, with the buttons', () => {
    const message = newCommitsSlack({ ...ticket, prNumber: 7, headSha: '9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d' });
    expect(message.text).toBe('New commits in MLM-123 [my-super-model] Create new model (9b1d3f5) are being built and tested; your review will be asked again on the same pull request.');
    expect(section(message)).toBe(
      ':arrows_counterclockwise: New commits in <https://acme.atlassian.net/browse/MLM-123|MLM-123> [my-super-model] Create new model: the <https://github.com/acme-ml/my-super-model/pull/7|pull request #7> is now at `9b1d3f5`.\nThey are being built and tested; your review will be asked again on the same pull request, and only an approval of the built commit counts.',
    );
    expect(buttons(message).map((button) => button.label)).toEqual(['PR in my-super-model', 'Task in Jira', 'Dashboard in Jira']);
  });
});
