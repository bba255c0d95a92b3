import { z } from 'zod';
import { localDate } from './working-time.ts';

/**
 * Reviewer selection for a model's pull request: one required reviewer among the maintainers of
 * the model or its repository, and a second one from the whole ML reviewer pool. Pure and
 * deterministic: the same facts give the same reviewers, whatever order they came in. The
 * worker gathers the facts (team maintainers, CODEOWNERS, repository maintainers, open review
 * requests, who committed) and stores the selection as a process variable.
 *
 * Who is eligible: never an excluded login (the developer and everyone who committed to the pull
 * request), never someone unavailable on the date of `now`, never someone already chosen; GitHub
 * logins are compared ignoring case. Among the eligible the least loaded comes first: fewest open
 * reviews, then fewest asked in the last 30 days, then the one asked least recently (never asked
 * first), then login order.
 */

const isoInstant = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), { message: 'expected an ISO 8601 instant' })
  .describe('An ISO 8601 instant, e.g. "2025-03-10T09:00:00Z"');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}/)
  .describe('An ISO 8601 date, "YYYY-MM-DD"');
const login = z.string().min(1).describe('A GitHub login');
const logins = z.array(login).readonly();

/** Where a maintainer comes from: the team in the policy, CODEOWNERS, or the repository's maintainers. */
export const maintainerSource = z
  .enum(['team', 'codeowners', 'repository'])
  .describe("team: [[teams]] maintainers in the policy; codeowners: the repository's CODEOWNERS; repository: people who maintain the repository on GitHub");

/** How loaded a person is with reviews right now. */
export const reviewLoad = z
  .object({
    openReviews: z.number().int().min(0).describe('Reviews requested of them and not yet given, now'),
    askedLast30Days: z.number().int().min(0).describe('Reviews requested of them in the last 30 days'),
    lastAskedAt: isoInstant.nullable().describe('When a review was last requested of them; null when never'),
  })
  .describe('Review load of one person');

/** A person who might review, with their load. */
export const reviewCandidate = reviewLoad.extend({ login }).describe('A possible reviewer and their load');

/** The part of the policy reviewer selection reads. */
export const reviewerPolicy = z
  .object({
    maintainerSources: z
      .array(maintainerSource)
      .readonly()
      .describe('Sources of maintainers in the order they are tried; the first with an eligible person wins'),
  })
  .describe('How reviewers are chosen');

/** Everything reviewer selection looks at. */
export const selectionInput = z
  .object({
    maintainers: z
      .object({
        team: logins.describe("Maintainers of the model's team in the policy"),
        codeowners: logins.describe("Users CODEOWNERS names for the model's code (teams already expanded to their members)"),
        repository: logins.describe('People who maintain the repository on GitHub'),
      })
      .describe('GitHub logins of maintainers, from each source'),
    pool: logins.describe('The whole ML reviewer pool'),
    excluded: logins.describe("The ticket's developer and everyone who committed to the pull request"),
    unavailable: z
      .array(z.object({ login, from: isoDate, to: isoDate }).describe('A period someone cannot review, dates inclusive'))
      .readonly()
      .describe('Periods people cannot review'),
    load: z.record(z.string(), reviewLoad).readonly().describe('Review load per login; a missing login has none and was never asked'),
    now: isoInstant.describe('The moment of the selection'),
    timeZone: z.string().optional().describe('Time zone whose date of `now` is checked against unavailability; default UTC'),
    policy: reviewerPolicy,
    teamName: z.string().describe("Name of the model's team, for the reasons"),
    alreadyChosen: logins.optional().describe('Logins never to pick, e.g. the current reviewers when one is replaced'),
  })
  .describe('The facts reviewer selection decides on');

/** One chosen reviewer and why, in a line a person can read. */
export const reviewerPick = z
  .object({
    login: login.describe('GitHub login of the reviewer'),
    reason: z.string().describe('Why this person, e.g. "from the ML reviewer pool, 0 open reviews, never asked"'),
  })
  .describe('A chosen reviewer');

/** The required reviewer: a maintainer, with the source they were found in. */
export const requiredPick = reviewerPick.extend({ source: maintainerSource }).describe('The required reviewer, a maintainer');

/** Why nobody could be chosen. */
export const selectionProblem = z
  .enum(['no_maintainer', 'no_second_reviewer'])
  .describe('no_maintainer: no maintainer is eligible; no_second_reviewer: nobody in the pool is eligible');

const failure = z.object({
  ok: z.literal(false),
  problem: selectionProblem,
  message: z.string().describe('A sentence saying who was left out and why, and what to change'),
});

/** The outcome of reviewer selection, stored as a process variable. */
export const selection = z
  .discriminatedUnion('ok', [z.object({ ok: z.literal(true), required: requiredPick, second: reviewerPick }), failure])
  .describe('The reviewers chosen for a pull request, or why there are none');

/** The outcome of choosing one replacement reviewer. */
export const replacement = z
  .discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      role: z.enum(['required', 'second']).describe('The role the new reviewer takes'),
      login: login.describe('GitHub login of the new reviewer'),
      reason: z.string().describe('Why this person'),
      source: maintainerSource.optional().describe('Where the maintainer was found, for the required role'),
    }),
    failure,
  ])
  .describe('A replacement reviewer, or why there is none');

export type MaintainerSource = z.infer<typeof maintainerSource>;
export type ReviewLoad = z.infer<typeof reviewLoad>;
export type ReviewCandidate = z.infer<typeof reviewCandidate>;
export type ReviewerPolicy = z.infer<typeof reviewerPolicy>;
export type SelectionInput = z.infer<typeof selectionInput>;
export type ReviewerPick = z.infer<typeof reviewerPick>;
export type RequiredPick = z.infer<typeof requiredPick>;
export type SelectionProblem = z.infer<typeof selectionProblem>;
export type Selection = z.infer<typeof selection>;
export type Replacement = z.infer<typeof replacement>;

type Failure = z.infer<typeof failure>;

/**
 * Chooses the required reviewer (a maintainer, from the sources in `policy.maintainerSources`
 * order: the first source with an eligible person wins) and the second reviewer (anyone in the
 * pool, maintainers included, but not the required reviewer), each the least loaded of the
 * eligible. When nobody is eligible for a role, says who was left out and why.
 */
export function selectReviewers(input: SelectionInput): Selection {
  const blocked = blockers(input);
  const required = pickMaintainer(input, blocked);
  if (!required.ok) return required;
  const second = pickFromPool(input, withBlocker(blocked, required.login, 'required'));
  if (!second.ok) return second;
  return {
    ok: true,
    required: { login: required.login, source: required.source, reason: required.reason },
    second: { login: second.login, reason: second.reason },
  };
}

/**
 * The best eligible reviewer to take over `role` from `replacing`, by the same rules as
 * {@link selectReviewers}: never `replacing`, never anyone in `input.alreadyChosen` (pass the
 * current reviewers there), never an excluded or unavailable login.
 */
export function nextCandidate(input: SelectionInput, replacing: string, role: 'required' | 'second'): Replacement {
  const blocked = withBlocker(blockers(input), replacing, 'replacing');
  if (role === 'required') {
    const pick = pickMaintainer(input, blocked);
    return pick.ok ? { ok: true, role, login: pick.login, reason: pick.reason, source: pick.source } : pick;
  }
  const pick = pickFromPool(input, blocked);
  return pick.ok ? { ok: true, role, login: pick.login, reason: pick.reason } : pick;
}

// ---- eligibility ------------------------------------------------------------------------------

type Blocker = { kind: 'excluded' } | { kind: 'unavailable'; from: string; to: string } | { kind: 'chosen' } | { kind: 'replacing' } | { kind: 'required' };

/** Why each blocked login (lowercased) may not be picked; the first reason found is kept. */
type Blockers = ReadonlyMap<string, Blocker>;

const key = (who: string) => who.toLowerCase();

function blockers(input: SelectionInput): Blockers {
  const map = new Map<string, Blocker>();
  for (const who of input.excluded) if (!map.has(key(who))) map.set(key(who), { kind: 'excluded' });
  const today = localDate(input.now, input.timeZone ?? 'UTC');
  // Sorted, so the period named in a message does not depend on the order periods came in.
  const periods = [...input.unavailable].sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to));
  for (const period of periods) {
    const from = period.from.slice(0, 10);
    const to = period.to.slice(0, 10);
    if (from <= today && today <= to && !map.has(key(period.login))) map.set(key(period.login), { kind: 'unavailable', from, to });
  }
  for (const who of input.alreadyChosen ?? []) if (!map.has(key(who))) map.set(key(who), { kind: 'chosen' });
  return map;
}

function withBlocker(blocked: Blockers, who: string, kind: 'required' | 'replacing'): Blockers {
  const map = new Map(blocked);
  // The role being replaced, or the role already taken, is the reason a person reads first.
  map.set(key(who), { kind });
  return map;
}

function describeBlocker(who: string, blocker: Blocker): string {
  switch (blocker.kind) {
    case 'excluded':
      return `${who} is the developer or committed to the pull request`;
    case 'unavailable':
      return blocker.from === blocker.to ? `${who} is unavailable on ${blocker.from}` : `${who} is unavailable from ${blocker.from} to ${blocker.to}`;
    case 'chosen':
      return `${who} is already a reviewer`;
    case 'replacing':
      return `${who} is the reviewer being replaced`;
    case 'required':
      return `${who} is the required reviewer`;
  }
}

// ---- picking ----------------------------------------------------------------------------------

type Pick = { ok: true; login: string; reason: string };

function pickMaintainer(input: SelectionInput, blocked: Blockers): (Pick & { source: MaintainerSource }) | Failure {
  const sources = [...new Set(input.policy.maintainerSources)];
  const looked: { source: MaintainerSource; people: string[] }[] = [];
  for (const source of sources) {
    const people = distinctLogins(input.maintainers[source]);
    looked.push({ source, people });
    const best = leastLoaded(people.filter((who) => !blocked.has(key(who))), input.load);
    if (best) return { ok: true, source, login: best.login, reason: `${sourceReason(source, input.teamName)}, ${describeLoad(best)}` };
  }
  return { ok: false, problem: 'no_maintainer', message: noMaintainerMessage(input.teamName, looked, blocked) };
}

function pickFromPool(input: SelectionInput, blocked: Blockers): Pick | Failure {
  const people = distinctLogins(input.pool);
  const best = leastLoaded(people.filter((who) => !blocked.has(key(who))), input.load);
  if (best) return { ok: true, login: best.login, reason: `from the ML reviewer pool, ${describeLoad(best)}` };
  if (people.length === 0) {
    return {
      ok: false,
      problem: 'no_second_reviewer',
      message:
        'No second reviewer: the ML reviewer pool ([reviewers] pool in the policy) is empty. Add the GitHub logins of the people who review models to it.',
    };
  }
  const why = people.map((who) => describeBlocker(who, blocked.get(key(who)) as Blocker));
  return {
    ok: false,
    problem: 'no_second_reviewer',
    message: `No second reviewer in the ML reviewer pool (${listOf(people)}): ${listOf(why)}. Add people to [reviewers] pool in the policy, or wait until someone is available.`,
  };
}

/** Logins without duplicates that differ only in case, the first spelling in sort order kept, sorted. */
function distinctLogins(people: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...people].sort(compareLogins).filter((who) => !seen.has(key(who)) && Boolean(seen.add(key(who))));
}

function leastLoaded(people: readonly string[], load: SelectionInput['load']): ReviewCandidate | undefined {
  const loads = loadsByLogin(load);
  const candidates = people.map((who) => ({ login: who, ...(loads.get(key(who)) ?? NO_LOAD) }));
  return candidates.sort(compareCandidates)[0];
}

const NO_LOAD: ReviewLoad = { openReviews: 0, askedLast30Days: 0, lastAskedAt: null };

function loadsByLogin(load: SelectionInput['load']): Map<string, ReviewLoad> {
  const map = new Map<string, ReviewLoad>();
  // Two keys differing only in case: the first in sort order counts, whatever the object's key order.
  for (const who of Object.keys(load).sort(compareText)) {
    const entry = load[who];
    if (entry && !map.has(key(who))) map.set(key(who), entry);
  }
  return map;
}

/** The least loaded first: open reviews, then asked in 30 days, then asked longest ago (never first), then login. */
export function compareCandidates(a: ReviewCandidate, b: ReviewCandidate): number {
  return (
    a.openReviews - b.openReviews ||
    a.askedLast30Days - b.askedLast30Days ||
    compareLastAsked(a.lastAskedAt, b.lastAskedAt) ||
    compareLogins(a.login, b.login)
  );
}

function compareLastAsked(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return Math.sign(Date.parse(a) - Date.parse(b)) || compareText(a, b);
}

function compareLogins(a: string, b: string): number {
  return compareText(key(a), key(b)) || compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- words ------------------------------------------------------------------------------------

function sourceReason(source: MaintainerSource, teamName: string): string {
  switch (source) {
    case 'team':
      return `maintainer of team ${teamName} (from the policy)`;
    case 'codeowners':
      return 'code owner of the model (from CODEOWNERS)';
    case 'repository':
      return 'maintainer of the repository (from GitHub)';
  }
}

function sourceName(source: MaintainerSource, teamName: string): string {
  switch (source) {
    case 'team':
      return `team ${teamName} in the policy`;
    case 'codeowners':
      return 'CODEOWNERS';
    case 'repository':
      return "the repository's maintainers on GitHub";
  }
}

/** `1 open review, asked 3 times in 30 days`, `0 open reviews, never asked`. */
export function describeLoad(load: ReviewLoad): string {
  const open = `${load.openReviews} open review${load.openReviews === 1 ? '' : 's'}`;
  const asked =
    load.askedLast30Days === 0
      ? load.lastAskedAt === null
        ? 'never asked'
        : 'not asked in 30 days'
      : `asked ${load.askedLast30Days === 1 ? 'once' : `${load.askedLast30Days} times`} in 30 days`;
  return `${open}, ${asked}`;
}

function noMaintainerMessage(teamName: string, looked: { source: MaintainerSource; people: string[] }[], blocked: Blockers): string {
  const everyone = distinctLogins(looked.flatMap((entry) => entry.people));
  const sources = listOf(looked.map(({ source, people }) => `${sourceName(source, teamName)} ${people.length === 0 ? 'lists nobody' : `lists ${listOf(people)}`}`));
  if (everyone.length === 0) {
    return `No maintainer to review: ${sources || 'no maintainer source is configured'}. Add maintainers to team ${teamName} in the policy ([[teams]] maintainers).`;
  }
  const why = everyone.map((who) => describeBlocker(who, blocked.get(key(who)) as Blocker));
  return `No maintainer can review: ${sources}; ${listOf(why)}. Add another maintainer to team ${teamName} in the policy, or wait until one is available.`;
}

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
