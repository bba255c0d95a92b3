import { describe, expect, it } from 'vitest';
import { jiraLookupProblem, resolvePerson, slackLookupProblem } from '../../src/domain/identity.ts';

const directory = {
  emailsByLogin: { Alice: 'alice@acme.test', bob: 'bob@acme.test' },
  slackUserIdsByLogin: { bob: 'U0BOB00001', dave: 'U0DAVE0001' },
  jiraAccountByEmail: { 'ALICE@acme.test': { accountId: '5b10ac8d82e05b22cc7d4ef5' } },
};

describe('resolvePerson', () => {
  it('knows everything about a person with an e-mail, a Jira account and a Slack id', () => {
    expect(resolvePerson({ githubLogin: 'bob', directory: { ...directory, jiraAccountByEmail: { 'bob@acme.test': { name: 'bob' } } } })).toEqual({
      githubLogin: 'bob',
      email: 'bob@acme.test',
      slack: { userId: 'U0BOB00001' },
      jira: { user: { name: 'bob' } },
      problems: [],
    });
  });

  it('matches logins and e-mails ignoring case, and leaves to a look-up by e-mail what is not known yet', () => {
    expect(resolvePerson({ githubLogin: 'alice', directory })).toEqual({
      githubLogin: 'alice',
      email: 'alice@acme.test',
      slack: { lookUpEmail: 'alice@acme.test' },
      jira: { user: { accountId: '5b10ac8d82e05b22cc7d4ef5' } },
      problems: [],
    });
    expect(resolvePerson({ githubLogin: 'bob', directory }).jira).toEqual({ lookUpEmail: 'bob@acme.test' });
  });

  it('reaches a person without an e-mail in Slack through reviewers.slack_users, and says Jira cannot be set', () => {
    const dave = resolvePerson({ githubLogin: 'dave', directory });
    expect(dave.slack).toEqual({ userId: 'U0DAVE0001' });
    expect(dave.jira).toBeNull();
    expect(dave.problems).toEqual([
      "dave has no e-mail in the directory, so the robot cannot find dave's Jira account for the reviewer fields — make dave's e-mail visible to the GitHub organisation (or verified in it)",
    ]);
  });

  it('names each gap and its fix for a person nobody knows', () => {
    const carol = resolvePerson({ githubLogin: 'carol', directory: {} });
    expect(carol).toMatchObject({ email: null, slack: null, jira: null });
    expect(carol.problems[0]).toBe(
      'carol has no e-mail in the directory and no entry in reviewers.slack_users, so the robot cannot tell carol in Slack — add `carol = "U0123"` (carol\'s Slack member id) under [reviewers.slack_users]',
    );
    expect(carol.problems).toHaveLength(2);
  });

  it('treats a blank e-mail or Slack id as unknown', () => {
    expect(resolvePerson({ githubLogin: 'erin', directory: { emailsByLogin: { erin: ' ' }, slackUserIdsByLogin: { erin: '' } } })).toMatchObject({ email: null, slack: null, jira: null });
  });
});

describe('look-up problems', () => {
  it('say what was looked up, what failed and the fix', () => {
    expect(slackLookupProblem('carol', 'carol@acme.test')).toContain("nobody in Slack has carol's e-mail carol@acme.test");
    expect(slackLookupProblem('carol', 'carol@acme.test')).toContain('add `carol = "U0123"`');
    expect(jiraLookupProblem('carol', 'carol@acme.test', 0)).toContain('Jira has no active user with');
    expect(jiraLookupProblem('carol', 'carol@acme.test', 2)).toContain('Jira has 2 users for');
  });
});
