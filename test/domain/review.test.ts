import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  askAgain,
  chaseDue,
  formatSeconds,
  judgeReview,
  newCommitsComment,
  newCommitsKey,
  newCommitsUnderReview,
  nextReviewClosing,
  reviewClosedFacts,
  reviewResultComment,
  reviewAttempt,
  reviewStageRecord,
  reviewTimes,
  untoldChangeRequests,
  type ReviewAssignment,
  type ReviewFact,
} from '../../src/domain/review.ts';
import { stageRecord } from '../../src/domain/stage-record.ts';
import { examplePullRequest } from '../../workers/examples.ts';

const REQUESTED = '2026-11-30T09:00:00.000Z'; // a Monday, at the start of the working day
/** The commit the green build tested, and one pushed after it. */
const BUILT = 'a'.repeat(40);
const PUSHED = 'b'.repeat(40);

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
const review = (login: string, state: ReviewFact['state'], submittedAt: string, body = '', commitId: string | null = BUILT): ReviewFact => ({ id: nextId++, login, state, submittedAt, body, commitId });

describe('judgeReview', () => {
  it('needs the required reviewer’s approval: the second reviewer’s alone is not enough', () => {
    const state = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews: [review('carol', 'APPROVED', '2026-11-30T10:00:00Z')], merged: true, mergedAt: '2026-11-30T11:00:00Z' });
    expect(state).toMatchObject({ requiredApproved: false, merged: true, approvedBy: ['carol'], pending: ['alice'] });
  });

  it("takes each person's latest review that is not a comment, as GitHub does", () => {
    const reviews = [review('alice', 'CHANGES_REQUESTED', '2026-11-30T10:00:00Z', 'pin it'), review('alice', 'APPROVED', '2026-11-30T12:00:00Z'), review('alice', 'COMMENTED', '2026-11-30T13:00:00Z')];
    const state = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews, merged: false, mergedAt: null });
    expect(state).toMatchObject({ requiredApproved: true, approvedAt: '2026-11-30T12:00:00Z', changesRequested: [], firstReviewAt: { alice: '2026-11-30T10:00:00Z' } });
    const dismissed = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews: [...reviews, review('alice', 'DISMISSED', '2026-11-30T14:00:00Z')], merged: false, mergedAt: null });
    expect(dismissed.requiredApproved).toBe(false);
  });

  it('lists the latest reviews that request changes, and counts a comment as picking the review up', () => {
    const state = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews: [review('carol', 'COMMENTED', '2026-11-30T10:00:00Z'), review('alice', 'CHANGES_REQUESTED', '2026-11-30T10:30:00Z', 'pin it')], merged: false, mergedAt: null });
    expect(state.pending).toEqual([]);
    expect(state.changesRequested).toEqual([expect.objectContaining({ login: 'alice', body: 'pin it' })]);
  });

  it('ignores drafts and deleted accounts', () => {
    const state = judgeReview({
      assignment: assignment(),
      buildCommit: BUILT,
      reviews: [{ id: 1, login: null, state: 'APPROVED', submittedAt: '2026-11-30T10:00:00Z', body: '', commitId: BUILT }, review('alice', 'PENDING', '2026-11-30T10:00:00Z')],
      merged: false,
      mergedAt: null,
    });
    expect(state).toMatchObject({ requiredApproved: false, approvedBy: [], pending: ['alice', 'carol'] });
  });

  it('never counts approval without every required reviewer, whatever the reviews (property)', () => {
    const states = fc.constantFrom<ReviewFact['state']>('APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING');
    fc.assert(
      fc.property(fc.array(fc.record({ login: fc.constantFrom('alice', 'carol', 'dave'), state: states, minute: fc.integer({ min: 0, max: 59 }) })), (entries) => {
        const reviews = entries.map((entry, index) => ({ id: index, login: entry.login, state: entry.state, submittedAt: `2026-11-30T10:${String(entry.minute).padStart(2, '0')}:00Z`, body: '', commitId: BUILT }));
        const state = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews, merged: false, mergedAt: null });
        const aliceLatest = reviews.filter((r) => r.login === 'alice' && r.state !== 'COMMENTED' && r.state !== 'PENDING').sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.id - b.id).at(-1);
        expect(state.requiredApproved).toBe(aliceLatest?.state === 'APPROVED');
      }),
    );
  });
});

describe('judgeReview and the built commit', () => {
  it('counts an approval only on the built commit, lists an older one as stale, and keeps its giver pending', () => {
    const reviews = [review('alice', 'APPROVED', '2026-11-30T10:00:00Z', '', PUSHED), review('carol', 'APPROVED', '2026-11-30T10:05:00Z')];
    const state = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews, merged: true, mergedAt: '2026-11-30T11:00:00Z' });
    expect(state).toMatchObject({ requiredApproved: false, approvedAt: null, approvedBy: ['carol'], staleApprovals: [{ login: 'alice', commitId: PUSHED }], pending: ['alice'] });
    // The first review still measures pickup, whatever commit it was on.
    expect(state.firstReviewAt).toEqual({ alice: '2026-11-30T10:00:00Z', carol: '2026-11-30T10:05:00Z' });
  });

  it('lets an approval of the built commit replace an earlier one, and a review GitHub lost the commit of never count', () => {
    const earlier = review('alice', 'APPROVED', '2026-11-30T10:00:00Z', '', PUSHED);
    const again = review('alice', 'APPROVED', '2026-11-30T12:00:00Z');
    expect(judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews: [earlier, again], merged: false, mergedAt: null })).toMatchObject({
      requiredApproved: true,
      approvedAt: '2026-11-30T12:00:00Z',
      staleApprovals: [],
      pending: ['carol'],
    });
    const lost = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews: [review('alice', 'APPROVED', '2026-11-30T12:00:00Z', '', null)], merged: false, mergedAt: null });
    expect(lost).toMatchObject({ requiredApproved: false, staleApprovals: [{ login: 'alice', commitId: null }] });
  });

  it('never counts the required approval unless the required reviewer’s latest review approves the built commit (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ login: fc.constantFrom('alice', 'carol'), state: fc.constantFrom<ReviewFact['state']>('APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED'), commit: fc.constantFrom(BUILT, PUSHED), minute: fc.integer({ min: 0, max: 59 }) })),
        (entries) => {
          const reviews = entries.map((entry, index) => ({ id: index, login: entry.login, state: entry.state, submittedAt: `2026-11-30T10:${String(entry.minute).padStart(2, '0')}:00Z`, body: '', commitId: entry.commit }));
          const state = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews, merged: true, mergedAt: '2026-11-30T11:00:00Z' });
          const aliceLatest = reviews.filter((r) => r.login === 'alice' && r.state !== 'COMMENTED').sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.id - b.id).at(-1);
          expect(state.requiredApproved).toBe(aliceLatest?.state === 'APPROVED' && aliceLatest.commitId === BUILT);
          for (const stale of state.staleApprovals ?? []) expect(stale.commitId).not.toBe(BUILT);
          expect(state.pending.includes('alice')).toBe(!reviews.some((r) => r.login === 'alice' && r.commitId === BUILT));
        },
      ),
    );
  });
});

describe('new commits during the review', () => {
  it('are there when the head is not the built commit, open or merged; a closed pull request waits for its reopening', () => {
    expect(newCommitsUnderReview({ headSha: BUILT, buildCommit: BUILT, state: 'open', merged: false })).toBe(false);
    expect(newCommitsUnderReview({ headSha: PUSHED, buildCommit: BUILT, state: 'open', merged: false })).toBe(true);
    expect(newCommitsUnderReview({ headSha: PUSHED, buildCommit: BUILT, state: 'closed', merged: true })).toBe(true);
    expect(newCommitsUnderReview({ headSha: BUILT, buildCommit: BUILT, state: 'closed', merged: true })).toBe(false);
    expect(newCommitsUnderReview({ headSha: PUSHED, buildCommit: BUILT, state: 'closed', merged: false })).toBe(false);
  });

  it('asks the same reviewers again: the requests start now, the first request and the version stay', () => {
    const reminded = assignment({ version: 2, prNumber: 7 });
    reminded.reviewers[0] = { ...reminded.reviewers[0]!, reminders: 2, lastRemindedAt: '2026-12-01T09:00:00.000Z' };
    const again = askAgain(reminded, '2026-12-02T10:00:00.000Z');
    expect(again).toMatchObject({ version: 2, prNumber: 7, requestedAt: REQUESTED, replaced: [], notices: [] });
    for (const reviewer of again.reviewers) expect(reviewer).toMatchObject({ requestedAt: '2026-12-02T10:00:00.000Z', firstRequestedAt: REQUESTED, reminders: 0, lastRemindedAt: null });
    // Asked a third time, the first request is still the first.
    expect(askAgain(again, '2026-12-03T10:00:00.000Z').reviewers[0]).toMatchObject({ requestedAt: '2026-12-03T10:00:00.000Z', firstRequestedAt: REQUESTED });
    // Pickup counts from the first request; the reminders from the last one.
    const state = judgeReview({ assignment: again, buildCommit: BUILT, reviews: [review('alice', 'APPROVED', '2026-11-30T11:00:00Z')], merged: false, mergedAt: null });
    expect(reviewTimes(again, state).pickup).toEqual([{ login: 'alice', seconds: 7200 }]);
  });

  it('tells the ticket once per head what happens next, and keys each reviewer’s message by head and login', () => {
    const facts = { issueKey: 'MLM-42', pullRequest: examplePullRequest, headSha: PUSHED, buildCommit: BUILT, merged: false, reviewers: ['alice', 'carol'], approvedBy: ['alice'] };
    const text = JSON.stringify(newCommitsComment(facts));
    expect(text).toContain('[New commits] REVIEW');
    expect(text).toContain('is now at bbbbbbb; the build tested aaaaaaa');
    expect(text).toContain('the same reviewers (alice, carol) are asked again on the same pull request');
    expect(text).toContain('those given so far (alice) are to be given again');
    expect(JSON.stringify(newCommitsComment({ ...facts, merged: true }))).toContain('was merged at bbbbbbb, which was not built and tested');
    expect(newCommitsKey('MLM-42', PUSHED)).toBe(`model-lifecycle:MLM-42:review:new-commits:${PUSHED}`);
    expect(newCommitsKey('MLM-42', PUSHED, 'alice')).toBe(`model-lifecycle:MLM-42:review:new-commits:${PUSHED}:alice`);
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
    buildCommit: BUILT,
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
    expect(text).not.toContain('Not counted');
    const record = reviewStageRecord({ assignment: assignment(), state, pullRequest: examplePullRequest, endedAt: '2026-11-30T11:30:00Z' });
    expect(stageRecord.parse(record)).toMatchObject({ stage: 'review', outcome: 'success', summary: 'Approved by alice after 2 h and merged into release' });
  });

  it('numbers review attempts by pull request: the same pull request keeps its attempt, a new one after a failed delivery is the next', () => {
    const first = reviewStageRecord({ assignment: assignment(), state, pullRequest: examplePullRequest, endedAt: '2026-11-30T11:30:00Z', attempt: reviewAttempt([], examplePullRequest.url) });
    expect(first.attempt).toBe(1);
    const records = [first, { ...first, stage: 'staging' as const, attempt: 1, outcome: 'failure' as const, links: [] }];
    expect(reviewAttempt(records, examplePullRequest.url)).toBe(1);
    expect(reviewAttempt(records, examplePullRequest.url.replace(/\d+$/, '99'))).toBe(2);
  });
});

describe('review report with an approval of an earlier commit', () => {
  it('says the approval of an earlier commit did not count, and who reviewed only an earlier commit', () => {
    const state = judgeReview({
      assignment: assignment(),
      buildCommit: BUILT,
      reviews: [review('carol', 'APPROVED', '2026-11-30T10:00:00Z', '', PUSHED), review('alice', 'APPROVED', '2026-11-30T11:00:00Z')],
      merged: true,
      mergedAt: '2026-11-30T11:30:00Z',
    });
    const text = JSON.stringify(reviewResultComment({ assignment: assignment(), state, pullRequest: { ...examplePullRequest, headSha: BUILT } }));
    expect(text).toContain('approved an earlier commit');
    expect(text).toContain("Not counted, given on an earlier commit than the built aaaaaaa: carol's approval (bbbbbbb)");
    const reviewedBefore = judgeReview({ assignment: assignment(), buildCommit: BUILT, reviews: [review('carol', 'CHANGES_REQUESTED', '2026-11-30T10:00:00Z', 'pin it', PUSHED)], merged: false, mergedAt: null });
    expect(JSON.stringify(reviewResultComment({ assignment: assignment(), state: reviewedBefore, pullRequest: examplePullRequest }))).toContain('reviewed an earlier commit');
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
