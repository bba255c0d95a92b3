import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chaseDue,
  formatSeconds,
  judgeReview,
  nextReviewClosing,
  reviewClosedFacts,
  reviewResultComment,
  reviewStageRecord,
  reviewTimes,
  untoldChangeRequests,
  type ReviewAssignment,
  type ReviewFact,
} from '../../src/domain/review.ts';
import { stageRecord } from '../../src/domain/stage-record.ts';
import { examplePullRequest } from '../../workers/examples.ts';

const REQUESTED = '2026-11-30T09:00:00.000Z'; // a Monday, at the start of the working day

function assignment(overrides: Partial<ReviewAssignment> = {}): ReviewAssignment {
  const reviewer = { email: null, requestedAt: REQUESTED, reminders: 0, lastRemindedAt: null, replacementUnavailable: false };
  return {
    version: 1,
    requestedAt: REQUESTED,
    reviewers: [
      { ...reviewer, login: 'alice', role: 'required', reason: 'maintainer', source: 'team' },
      { ...reviewer, login: 'carol', role: 'second', reason: 'pool' },
    ],
    replaced: [],
    notices: [],
    ...overrides,
  };
}

let nextId = 1;
const review = (login: string, state: ReviewFact['state'], submittedAt: string, body = ''): ReviewFact => ({ id: nextId++, login, state, submittedAt, body });

describe('judgeReview', () => {
  it('needs the required reviewer’s approval: the second reviewer’s alone is not enough', () => {
    const state = judgeReview({ assignment: assignment(), reviews: [review('carol', 'APPROVED', '2026-11-30T10:00:00Z')], merged: true, mergedAt: '2026-11-30T11:00:00Z' });
    expect(state).toMatchObject({ requiredApproved: false, merged: true, approvedBy: ['carol'], pending: ['alice'] });
  });

  it("takes each person's latest review that is not a comment, as GitHub does", () => {
    const reviews = [review('alice', 'CHANGES_REQUESTED', '2026-11-30T10:00:00Z', 'pin it'), review('alice', 'APPROVED', '2026-11-30T12:00:00Z'), review('alice', 'COMMENTED', '2026-11-30T13:00:00Z')];
    const state = judgeReview({ assignment: assignment(), reviews, merged: false, mergedAt: null });
    expect(state).toMatchObject({ requiredApproved: true, approvedAt: '2026-11-30T12:00:00Z', changesRequested: [], firstReviewAt: { alice: '2026-11-30T10:00:00Z' } });
    const dismissed = judgeReview({ assignment: assignment(), reviews: [...reviews, review('alice', 'DISMISSED', '2026-11-30T14:00:00Z')], merged: false, mergedAt: null });
    expect(dismissed.requiredApproved).toBe(false);
  });

  it('lists the latest reviews that request changes, and counts a comment as picking the review up', () => {
    const state = judgeReview({ assignment: assignment(), reviews: [review('carol', 'COMMENTED', '2026-11-30T10:00:00Z'), review('alice', 'CHANGES_REQUESTED', '2026-11-30T10:30:00Z', 'pin it')], merged: false, mergedAt: null });
    expect(state.pending).toEqual([]);
    expect(state.changesRequested).toEqual([expect.objectContaining({ login: 'alice', body: 'pin it' })]);
  });

  it('ignores drafts and deleted accounts', () => {
    const state = judgeReview({
      assignment: assignment(),
      reviews: [{ id: 1, login: null, state: 'APPROVED', submittedAt: '2026-11-30T10:00:00Z', body: '' }, review('alice', 'PENDING', '2026-11-30T10:00:00Z')],
      merged: false,
      mergedAt: null,
    });
    expect(state).toMatchObject({ requiredApproved: false, approvedBy: [], pending: ['alice', 'carol'] });
  });

  it('never counts approval without every required reviewer, whatever the reviews (property)', () => {
    const states = fc.constantFrom<ReviewFact['state']>('APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING');
    fc.assert(
      fc.property(fc.array(fc.record({ login: fc.constantFrom('alice', 'carol', 'dave'), state: states, minute: fc.integer({ min: 0, max: 59 }) })), (entries) => {
        const reviews = entries.map((entry, index) => ({ id: index, login: entry.login, state: entry.state, submittedAt: `2026-11-30T10:${String(entry.minute).padStart(2, '0')}:00Z`, body: '' }));
        const state = judgeReview({ assignment: assignment(), reviews, merged: false, mergedAt: null });
        const aliceLatest = reviews.filter((r) => r.login === 'alice' && r.state !== 'COMMENTED' && r.state !== 'PENDING').sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.id - b.id).at(-1);
        expect(state.requiredApproved).toBe(aliceLatest?.state === 'APPROVED');
      }),
    );
  });
});

describe('chaseDue', () => {
  const rules = { calendar: { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', holidays: [] }, remindAfter: 'P1D', reassignAfter: 'P2D' };

  it('reminds after one working day and replaces after two, counting only working time', () => {
    const early = chaseDue({ assignment: assignment(), pending: ['alice', 'carol'], rules, now: '2026-11-30T17:00:00Z' });
    expect(early).toMatchObject({ remind: [], reassign: [], remindAt: '2026-11-30T18:00:00.000Z', reassignAt: '2026-12-01T18:00:00.000Z' });
    expect(chaseDue({ assignment: assignment(), pending: ['alice'], rules, now: '2026-12-01T08:00:00Z' })).toMatchObject({ remind: ['alice'], reassign: [] });
    expect(chaseDue({ assignment: assignment(), pending: ['alice'], rules, now: '2026-12-01T18:00:00Z' })).toMatchObject({ remind: [], reassign: ['alice'] });
  });

  it('reminds again a period after the last reminder, and never chases someone who reviewed', () => {
    const reminded = assignment();
    reminded.reviewers[0] = { ...reminded.reviewers[0]!, reminders: 1, lastRemindedAt: '2026-11-30T18:00:00.000Z' };
    const due = chaseDue({ assignment: reminded, pending: ['alice'], rules, now: '2026-12-01T12:00:00Z' });
    expect(due).toMatchObject({ remind: [], remindAt: '2026-12-01T18:00:00.000Z' });
    const none = chaseDue({ assignment: assignment(), pending: [], rules, now: '2026-12-09T12:00:00Z' });
    expect(none).toMatchObject({ remind: [], reassign: [] });
    expect(Date.parse(none.remindAt)).toBeGreaterThan(Date.parse('2027-01-01T00:00:00Z'));
  });

  it('does not try again to replace someone nobody could take over from', () => {
    const stuck = assignment();
    stuck.reviewers[0] = { ...stuck.reviewers[0]!, replacementUnavailable: true };
    expect(chaseDue({ assignment: stuck, pending: ['alice'], rules, now: '2026-12-09T12:00:00Z' }).reassign).toEqual([]);
  });
});

describe('review report', () => {
  const state = judgeReview({
    assignment: assignment(),
    reviews: [review('alice', 'APPROVED', '2026-11-30T11:00:00Z')],
    merged: true,
    mergedAt: '2026-11-30T11:30:00Z',
  });

  it('measures pickup, approval and merge', () => {
    expect(reviewTimes(assignment(), state)).toEqual({ pickup: [{ login: 'alice', seconds: 7200 }], approvalSeconds: 7200, mergeSeconds: 1800 });
    expect([formatSeconds(45), formatSeconds(7200), formatSeconds(1800), formatSeconds(93_600)]).toEqual(['45 s', '2 h', '30 min', '1 d 2 h']);
  });

  it('comments REVIEW_RESULT and records a valid stage record', () => {
    const text = JSON.stringify(reviewResultComment({ assignment: assignment(), state, pullRequest: examplePullRequest }));
    expect(text).toContain('[Success] REVIEW_RESULT');
    expect(text).toContain('did not review');
    const record = reviewStageRecord({ assignment: assignment(), state, pullRequest: examplePullRequest, endedAt: '2026-11-30T11:30:00Z' });
    expect(stageRecord.parse(record)).toMatchObject({ stage: 'review', outcome: 'success', summary: 'Approved by alice after 2 h and merged into release' });
  });
});

describe('what the Jira comment and the Slack message about a review event share', () => {
  it('lists the "changes requested" reviews not told yet, each keyed by its review id', () => {
    const changesRequested = [
      { id: 81, login: 'carol', body: 'Please pin scikit-learn.', submittedAt: '2026-11-30T14:00:00Z' },
      { id: 82, login: 'dave', body: 'Add a test.', submittedAt: null },
    ];
    const untold = untoldChangeRequests({ issueKey: 'MLM-42', prUrl: 'https://github.com/acme-ml/churn-predictor/pull/7', state: { changesRequested }, told: [81] });
    expect(untold).toEqual([
      {
        id: 82,
        idempotencyKey: 'model-lifecycle:MLM-42:review:changes:82',
        reviewer: { displayName: 'dave', githubLogin: 'dave' },
        reviewUrl: 'https://github.com/acme-ml/churn-predictor/pull/7#pullrequestreview-82',
        comment: 'Add a test.',
      },
    ]);
    expect(untoldChangeRequests({ issueKey: 'MLM-42', prUrl: 'u', state: { changesRequested }, told: undefined }).map((review) => review.id)).toEqual([81, 82]);
  });

  it('numbers the closing after the told ones and keys it by pull request and closing', () => {
    expect(nextReviewClosing({ issueKey: 'MLM-42', prNumber: 7, told: undefined })).toEqual({ closing: 1, idempotencyKey: 'model-lifecycle:MLM-42:review:closed:7:1' });
    expect(nextReviewClosing({ issueKey: 'MLM-42', prNumber: 7, told: 2 })).toEqual({ closing: 3, idempotencyKey: 'model-lifecycle:MLM-42:review:closed:7:3' });
  });

  it('names the reviewers asked now in the closed facts, and mentions the developer only when given a Slack id', () => {
    const input = { issueKey: 'MLM-42', issueUrl: 'https://jira.test/browse/MLM-42', modelRequest: { modelName: 'churn-predictor', developer: { displayName: 'Abe' } }, pullRequest: examplePullRequest, assignment: assignment() };
    expect(reviewClosedFacts(input)).toEqual({ issueKey: 'MLM-42', issueUrl: 'https://jira.test/browse/MLM-42', modelName: 'churn-predictor', pullRequest: examplePullRequest, developer: { displayName: 'Abe' }, reviewers: ['alice', 'carol'] });
    expect(reviewClosedFacts({ ...input, developerSlackUserId: 'U0ABE' }).developer).toEqual({ displayName: 'Abe', slackUserId: 'U0ABE' });
  });
});
