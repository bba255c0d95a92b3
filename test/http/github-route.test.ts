import { describe, expect, it } from 'vitest';
import { routeGitHubDelivery } from '../../src/http/github-route.ts';
import { defaultBranchPushes, examplesOf, mergedPullRequestExample, pushExample, reviewExample, tagPushes } from './github-examples.ts';

describe('routeGitHubDelivery', () => {
  it('correlates github:push for every published push to the default branch, with the repository and the new commit', () => {
    const pushes = defaultBranchPushes();
    expect(pushes.length).toBeGreaterThan(0);
    for (const push of pushes) {
      expect(routeGitHubDelivery('push', push)).toEqual({
        kind: 'correlate',
        event: 'push',
        messageName: 'github:push',
        repositoryFullName: push.repository.full_name,
        branch: push.repository.default_branch,
        correlationKeys: { repositoryFullName: push.repository.full_name },
        variables: { pushedCommit: push.after },
      });
    }
  });

  it('ignores every published tag push, created or deleted', () => {
    const tags = tagPushes();
    expect(tags.length).toBeGreaterThan(0);
    for (const push of tags) {
      expect(routeGitHubDelivery('push', push)).toMatchObject({ kind: 'ignore', event: 'push', reason: 'tag', ref: push.ref });
    }
  });

  it('ignores a push to another branch', () => {
    expect(routeGitHubDelivery('push', pushExample({ ref: 'refs/heads/feature/faster-svm' }))).toEqual({
      kind: 'ignore',
      event: 'push',
      reason: 'not_default_branch',
      repositoryFullName: 'Codertocat/Hello-World',
      ref: 'refs/heads/feature/faster-svm',
    });
  });

  it('ignores a push to a branch named like the default branch under another prefix', () => {
    expect(routeGitHubDelivery('push', pushExample({ ref: 'refs/heads/x/master' }))).toMatchObject({ kind: 'ignore', reason: 'not_default_branch' });
    expect(routeGitHubDelivery('push', pushExample({ ref: 'master' }))).toMatchObject({ kind: 'ignore', reason: 'not_default_branch' });
  });

  it('ignores a push that deleted the default branch', () => {
    const route = routeGitHubDelivery('push', pushExample({ deleted: true, after: '0'.repeat(40) }));
    expect(route).toMatchObject({ kind: 'ignore', reason: 'ref_deleted' });
  });

  it('answers pong to the published pings', () => {
    for (const ping of examplesOf('ping')) {
      expect(routeGitHubDelivery('ping', ping)).toEqual({ kind: 'pong', event: 'ping', hookId: ping.hook_id });
    }
  });

  it('ignores any other event', () => {
    expect(routeGitHubDelivery('issues', {})).toEqual({ kind: 'ignore', event: 'issues', reason: 'event_not_handled' });
  });

  it('correlates github:pr-review for every published submitted review, its state as the REST API spells it', () => {
    const submitted = examplesOf('pull_request_review').filter((delivery) => delivery.action === 'submitted');
    expect(submitted.length).toBeGreaterThan(0);
    for (const delivery of submitted) {
      expect(routeGitHubDelivery('pull_request_review', delivery)).toEqual({
        kind: 'correlate',
        event: 'pull_request_review',
        messageName: 'github:pr-review',
        repositoryFullName: delivery.repository.full_name,
        correlationKeys: { repositoryFullName: delivery.repository.full_name },
        variables: {
          review: { login: delivery.review.user?.login, state: delivery.review.state.toUpperCase(), submittedAt: delivery.review.submitted_at, prNumber: delivery.pull_request.number },
        },
      });
    }
  });

  it('carries an approval and a change request as APPROVED and CHANGES_REQUESTED', () => {
    for (const [state, expected] of [
      ['approved', 'APPROVED'],
      ['changes_requested', 'CHANGES_REQUESTED'],
    ] as const) {
      const delivery = reviewExample({ state });
      expect(routeGitHubDelivery('pull_request_review', delivery)).toMatchObject({ kind: 'correlate', variables: { review: { login: 'Codertocat', state: expected, prNumber: 2 } } });
    }
  });

  it('ignores a dismissed or edited review, and a review by a deleted account', () => {
    for (const delivery of examplesOf('pull_request_review').filter((candidate) => candidate.action !== 'submitted')) {
      expect(routeGitHubDelivery('pull_request_review', delivery)).toEqual({
        kind: 'ignore',
        event: 'pull_request_review',
        reason: 'action_not_handled',
        repositoryFullName: delivery.repository.full_name,
      });
    }
    expect(routeGitHubDelivery('pull_request_review', reviewExample({ user: null }))).toMatchObject({ kind: 'ignore', reason: 'review_not_usable' });
    expect(routeGitHubDelivery('pull_request_review', reviewExample({ state: 'pending' }))).toMatchObject({ kind: 'ignore', reason: 'review_not_usable' });
  });

  it('correlates github:pr-merged for a closed and merged pull request', () => {
    const merged = mergedPullRequestExample();
    expect(routeGitHubDelivery('pull_request', merged)).toEqual({
      kind: 'correlate',
      event: 'pull_request',
      messageName: 'github:pr-merged',
      repositoryFullName: 'Codertocat/Hello-World',
      correlationKeys: { repositoryFullName: 'Codertocat/Hello-World' },
      variables: { mergedPr: { number: 2, mergeCommitSha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85', mergedAt: '2019-05-15T15:20:40Z' } },
    });
  });

  it('correlates github:pr-changed for every published closed (unmerged) and reopened example, and ignores the other actions', () => {
    const examples = examplesOf('pull_request');
    expect(examples.some((delivery) => delivery.action === 'closed')).toBe(true);
    expect(examples.some((delivery) => delivery.action === 'reopened')).toBe(true);
    for (const delivery of examples) {
      const route = routeGitHubDelivery('pull_request', delivery);
      if (delivery.action === 'closed' || delivery.action === 'reopened') {
        expect(route).toEqual({
          kind: 'correlate',
          event: 'pull_request',
          messageName: 'github:pr-changed',
          repositoryFullName: 'Codertocat/Hello-World',
          correlationKeys: { repositoryFullName: 'Codertocat/Hello-World' },
          variables: {
            changedPr: delivery.action === 'closed' ? { number: 2, action: 'closed', at: '2019-05-15T15:21:18Z' } : { number: 2, action: 'reopened', at: '2019-05-15T15:20:33Z' },
          },
        });
      } else {
        expect(route).toEqual({ kind: 'ignore', event: 'pull_request', reason: 'action_not_handled', repositoryFullName: delivery.repository.full_name });
      }
    }
  });

  it('names the field when a pull request event lacks what routing reads', () => {
    const noNumber = structuredClone(mergedPullRequestExample()) as Record<string, unknown>;
    delete noNumber.number;
    expect(routeGitHubDelivery('pull_request', noNumber)).toMatchObject({ kind: 'invalid', field: 'number' });
    const noReview = structuredClone(reviewExample({})) as Record<string, unknown>;
    delete noReview.review;
    expect(routeGitHubDelivery('pull_request_review', noReview)).toMatchObject({ kind: 'invalid', field: 'review' });
  });

  it('names the field when a push lacks what routing reads', () => {
    const noRepository = pushExample();
    delete noRepository.repository;
    expect(routeGitHubDelivery('push', noRepository)).toMatchObject({ kind: 'invalid', field: 'repository' });
    expect(routeGitHubDelivery('push', pushExample({ after: 'HEAD' }))).toMatchObject({ kind: 'invalid', field: 'after' });
    expect(routeGitHubDelivery('push', pushExample({ fullName: 'no-slash' }))).toMatchObject({ kind: 'invalid', field: 'repository.full_name' });
    expect(routeGitHubDelivery('push', [])).toMatchObject({ kind: 'invalid', field: 'body' });
  });

  it('names the header when the event is missing', () => {
    expect(routeGitHubDelivery(undefined, pushExample())).toEqual({ kind: 'invalid', field: 'X-GitHub-Event', message: 'the X-GitHub-Event header is missing' });
  });
});
