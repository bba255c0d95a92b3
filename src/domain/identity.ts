/**
 * One person across the three systems of the review stage: the GitHub login the reviewer
 * policy names, the Jira account the ticket's reviewer fields take, and the Slack user the
 * robot writes to. Pure: the caller gathers what it knows (the policy, e-mails, earlier
 * look-ups) into a {@link PersonDirectory}; {@link resolvePerson} says what follows and what is
 * still to be looked up, and names each gap with its fix.
 */

/** A Jira user as a user-picker field takes one: Cloud by account id, Data Center by user name. */
export type JiraUserRef = { readonly accountId: string } | { readonly name: string };

/** What is known about people, keyed by GitHub login or e-mail (both matched ignoring case). */
export interface PersonDirectory {
  /** GitHub login → e-mail address (the organisation member's verified or public e-mail). */
  readonly emailsByLogin?: Readonly<Record<string, string>>;
  /** GitHub login → Slack user id: the policy's `[reviewers.slack_users]`. Wins over an e-mail look-up. */
  readonly slackUserIdsByLogin?: Readonly<Record<string, string>>;
  /** E-mail → Jira user, from earlier look-ups (`JiraClient.findUsersByEmail`). */
  readonly jiraAccountByEmail?: Readonly<Record<string, JiraUserRef>>;
}

/**
 * How to reach the person in one system: known (`userId` / the Jira user), to be looked up by
 * e-mail (`lookUpEmail`), or not at all (null, with a problem saying why).
 */
export type SlackReach = { readonly userId: string } | { readonly lookUpEmail: string } | null;
export type JiraReach = { readonly user: JiraUserRef } | { readonly lookUpEmail: string } | null;

/** What {@link resolvePerson} answers. */
export interface ResolvedPerson {
  readonly githubLogin: string;
  readonly email: string | null;
  readonly slack: SlackReach;
  readonly jira: JiraReach;
  /** One sentence per system the person cannot be reached in, each ending with the fix. */
  readonly problems: readonly string[];
}

/** Maps the person with this GitHub login to their e-mail, Slack user and Jira account, as far as the directory knows. */
export function resolvePerson(input: { readonly githubLogin: string; readonly directory: PersonDirectory }): ResolvedPerson {
  const { githubLogin: login, directory } = input;
  const email = lookUp(directory.emailsByLogin, login)?.trim() || null;
  const slackUserId = lookUp(directory.slackUserIdsByLogin, login)?.trim() || null;
  const jiraUser = email === null ? undefined : lookUp(directory.jiraAccountByEmail, email);

  const problems: string[] = [];
  const slack: SlackReach = slackUserId !== null ? { userId: slackUserId } : email !== null ? { lookUpEmail: email } : null;
  if (slack === null) {
    problems.push(
      `${login} has no e-mail in the directory and no entry in reviewers.slack_users, so the robot cannot tell ${login} in Slack — add \`${login} = "U0123"\` (${login}'s Slack member id) under [reviewers.slack_users]`,
    );
  }
  const jira: JiraReach = jiraUser !== undefined ? { user: jiraUser } : email !== null ? { lookUpEmail: email } : null;
  if (jira === null) {
    problems.push(
      `${login} has no e-mail in the directory, so the robot cannot find ${login}'s Jira account for the reviewer fields — make ${login}'s e-mail visible to the GitHub organisation (or verified in it)`,
    );
  }
  return { githubLogin: login, email, slack, jira, problems };
}

/** The problem when Slack knows nobody with the person's e-mail (`SlackClient.lookupUserByEmail` answered null). */
export function slackLookupProblem(githubLogin: string, email: string): string {
  return `nobody in Slack has ${githubLogin}'s e-mail ${email}, so the robot cannot tell ${githubLogin} in Slack — add \`${githubLogin} = "U0123"\` (${githubLogin}'s Slack member id) under [reviewers.slack_users]`;
}

/** The problem when Jira finds no one, or more than one user, for the person's e-mail (`JiraClient.findUsersByEmail`). */
export function jiraLookupProblem(githubLogin: string, email: string, found: number): string {
  return found === 0
    ? `Jira has no active user with ${githubLogin}'s e-mail ${email}, so ${githubLogin} cannot be set as a reviewer on the ticket — give ${githubLogin} a Jira account with that e-mail, or let Jira show it (Cloud: profile visibility)`
    : `Jira has ${found} users for ${githubLogin}'s e-mail ${email}, so the robot cannot tell which is ${githubLogin} — leave one active Jira account with that e-mail`;
}

function lookUp<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  if (record === undefined) return undefined;
  if (Object.hasOwn(record, key)) return record[key];
  const wanted = key.toLowerCase();
  const match = Object.keys(record).find((candidate) => candidate.toLowerCase() === wanted);
  return match === undefined ? undefined : record[match];
}
