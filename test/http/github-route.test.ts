import { describe, expect, it } from 'vitest';
import { routeGitHubDelivery } from '../../src/http/github-route.ts';
import { defaultBranchPushes, examplesOf, pushExample, tagPushes } from './github-examples.ts';

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

  it('ignores pull_request and pull_request_review for now, and any other event', () => {
    expect(routeGitHubDelivery('pull_request', examplesOf('pull_request')[0])).toEqual({ kind: 'ignore', event: 'pull_request', reason: 'event_not_handled' });
    expect(routeGitHubDelivery('pull_request_review', examplesOf('pull_request_review')[0])).toEqual({
      kind: 'ignore',
      event: 'pull_request_review',
      reason: 'event_not_handled',
    });
    expect(routeGitHubDelivery('issues', {})).toEqual({ kind: 'ignore', event: 'issues', reason: 'event_not_handled' });
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
