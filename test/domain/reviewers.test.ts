import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareCandidates,
  nextCandidate,
  selection,
  selectReviewers,
  type MaintainerSource,
  type ReviewLoad,
  type SelectionInput,
} from '../../src/domain/reviewers.ts';

const NOW = '2025-03-12T10:00:00Z';

function input(overrides: Partial<SelectionInput> = {}): SelectionInput {
  return {
    maintainers: { team: ['alice', 'bob'], codeowners: [], repository: [] },
    pool: ['carol', 'dave'],
    excluded: [],
    unavailable: [],
    load: {},
    now: NOW,
    policy: { maintainerSources: ['team', 'codeowners', 'repository'] },
    teamName: 'search',
    ...overrides,
  };
}

const load = (openReviews: number, askedLast30Days: number, lastAskedAt: string | null = askedLast30Days > 0 ? '2025-03-01T09:00:00Z' : null): ReviewLoad => ({
  openReviews,
  askedLast30Days,
  lastAskedAt,
});

describe('selectReviewers', () => {
  it('takes the least loaded maintainer and the least loaded of the pool, each with its reason', () => {
    const result = selectReviewers(input({ load: { alice: load(2, 3), bob: load(1, 3), carol: load(0, 2), dave: load(0, 0) } }));
    expect(result).toEqual({
      ok: true,
      required: { login: 'bob', source: 'team', reason: 'maintainer of team search (from the policy), 1 open review, asked 3 times in 30 days' },
      second: { login: 'dave', reason: 'from the ML reviewer pool, 0 open reviews, never asked' },
    });
    expect(selection.parse(JSON.parse(JSON.stringify(result)))).toEqual(result);
  });

  it('breaks ties by reviews asked in 30 days, then the one asked longest ago (never first), then login', () => {
    const pick = (l: Record<string, ReviewLoad>, team = ['alice', 'bob']) => {
      const result = selectReviewers(input({ maintainers: { team, codeowners: [], repository: [] }, load: l }));
      return result.ok ? result.required.login : result.message;
    };
    expect(pick({ alice: load(1, 5), bob: load(1, 4) })).toBe('bob');
    expect(pick({ alice: load(1, 4, '2025-03-02T09:00:00Z'), bob: load(1, 4, '2025-03-03T09:00:00Z') })).toBe('alice');
    expect(pick({ alice: load(0, 0, '2025-01-02T09:00:00Z'), bob: load(0, 0, null) })).toBe('bob');
    expect(pick({})).toBe('alice');
    expect(pick({}, ['bob', 'Alice'])).toBe('Alice');
  });

  it('says once, not asked in 30 days, and singular open review', () => {
    const result = selectReviewers(input({ maintainers: { team: ['alice'], codeowners: [], repository: [] }, pool: ['carol'], load: { alice: load(1, 1), carol: load(3, 0, '2024-12-01T09:00:00Z') } }));
    expect(result.ok && [result.required.reason, result.second.reason]).toEqual([
      'maintainer of team search (from the policy), 1 open review, asked once in 30 days',
      'from the ML reviewer pool, 3 open reviews, not asked in 30 days',
    ]);
  });

  it('tries the maintainer sources in policy order, the first with someone eligible winning', () => {
    const maintainers = { team: ['alice'], codeowners: ['erin'], repository: ['frank'] };
    const with_ = (sources: MaintainerSource[], excluded: string[] = []) =>
      selectReviewers(input({ maintainers, excluded, policy: { maintainerSources: sources } }));
    expect(with_(['team', 'codeowners', 'repository'])).toMatchObject({ ok: true, required: { login: 'alice', source: 'team' } });
    expect(with_(['team', 'codeowners', 'repository'], ['alice'])).toMatchObject({
      ok: true,
      required: { login: 'erin', source: 'codeowners', reason: 'code owner of the model (from CODEOWNERS), 0 open reviews, never asked' },
    });
    expect(with_(['repository', 'team'])).toMatchObject({
      ok: true,
      required: { login: 'frank', source: 'repository', reason: 'maintainer of the repository (from GitHub), 0 open reviews, never asked' },
    });
    // A less loaded person in a later source does not beat an eligible one in an earlier source.
    const loaded = selectReviewers(input({ maintainers, load: { alice: load(9, 9) } }));
    expect(loaded.ok && loaded.required.login).toBe('alice');
  });

  it('never picks an excluded login, ignoring case, nor the same person twice', () => {
    const result = selectReviewers(input({ maintainers: { team: ['Alice', 'bob'], codeowners: [], repository: [] }, pool: ['ALICE', 'Bob', 'carol'], excluded: ['alice'], load: { carol: load(5, 5) } }));
    expect(result).toMatchObject({ ok: true, required: { login: 'bob' }, second: { login: 'carol' } });
  });

  it('takes a maintainer from the pool as the second reviewer when they are the least loaded', () => {
    const result = selectReviewers(input({ pool: ['alice', 'bob', 'carol'], load: { carol: load(2, 0) } }));
    expect(result).toMatchObject({ ok: true, required: { login: 'alice' }, second: { login: 'bob', reason: 'from the ML reviewer pool, 0 open reviews, never asked' } });
  });

  it('skips someone unavailable on the date of now, dates inclusive, in the given time zone', () => {
    const unavailable = [{ login: 'alice', from: '2025-03-12', to: '2025-03-14' }];
    expect(selectReviewers(input({ unavailable }))).toMatchObject({ required: { login: 'bob' } });
    expect(selectReviewers(input({ unavailable, now: '2025-03-14T23:59:00Z' }))).toMatchObject({ required: { login: 'bob' } });
    expect(selectReviewers(input({ unavailable, now: '2025-03-15T00:00:00Z' }))).toMatchObject({ required: { login: 'alice' } });
    // 23:30 UTC on the 11th is already the 12th in Berlin.
    expect(selectReviewers(input({ unavailable, now: '2025-03-11T23:30:00Z' }))).toMatchObject({ required: { login: 'alice' } });
    expect(selectReviewers(input({ unavailable, now: '2025-03-11T23:30:00Z', timeZone: 'Europe/Berlin' }))).toMatchObject({ required: { login: 'bob' } });
  });

  it('never picks someone already chosen', () => {
    expect(selectReviewers(input({ alreadyChosen: ['ALICE', 'carol'] }))).toMatchObject({ ok: true, required: { login: 'bob' }, second: { login: 'dave' } });
  });

  it('says which maintainers were left out and why when none can review', () => {
    const result = selectReviewers(
      input({
        maintainers: { team: ['alice', 'bob'], codeowners: ['erin'], repository: [] },
        excluded: ['alice', 'erin'],
        unavailable: [{ login: 'bob', from: '2025-03-10', to: '2025-03-21' }],
      }),
    );
    expect(result).toEqual({
      ok: false,
      problem: 'no_maintainer',
      message:
        "No maintainer can review: team search in the policy lists alice and bob, CODEOWNERS lists erin and the repository's maintainers on GitHub lists nobody; " +
        'alice is the developer or committed to the pull request, bob is unavailable from 2025-03-10 to 2025-03-21 and erin is the developer or committed to the pull request. ' +
        'Add another maintainer to team search in the policy, or wait until one is available.',
    });
  });

  it('says when no source lists any maintainer', () => {
    const result = selectReviewers(input({ maintainers: { team: [], codeowners: [], repository: [] }, policy: { maintainerSources: ['team', 'codeowners'] } }));
    expect(result).toEqual({
      ok: false,
      problem: 'no_maintainer',
      message: 'No maintainer to review: team search in the policy lists nobody and CODEOWNERS lists nobody. Add maintainers to team search in the policy ([[teams]] maintainers).',
    });
  });

  it('says who in the pool was left out and why when nobody can be the second reviewer', () => {
    const result = selectReviewers(
      input({ pool: ['alice', 'carol', 'dave'], excluded: ['carol'], unavailable: [{ login: 'dave', from: '2025-03-12', to: '2025-03-12' }] }),
    );
    expect(result).toEqual({
      ok: false,
      problem: 'no_second_reviewer',
      message:
        'No second reviewer in the ML reviewer pool (alice, carol and dave): alice is the required reviewer, carol is the developer or committed to the pull request and dave is unavailable on 2025-03-12. ' +
        'Add people to [reviewers] pool in the policy, or wait until someone is available.',
    });
    expect(selectReviewers(input({ pool: [] }))).toEqual({
      ok: false,
      problem: 'no_second_reviewer',
      message: 'No second reviewer: the ML reviewer pool ([reviewers] pool in the policy) is empty. Add the GitHub logins of the people who review models to it.',
    });
  });
});

describe('nextCandidate', () => {
  it('replaces a reviewer with the best eligible other than the current ones', () => {
    const current = input({ alreadyChosen: ['alice', 'carol'], pool: ['alice', 'bob', 'carol', 'dave'], load: { bob: load(1, 0) } });
    expect(nextCandidate(current, 'carol', 'second')).toEqual({ ok: true, role: 'second', login: 'dave', reason: 'from the ML reviewer pool, 0 open reviews, never asked' });
    expect(nextCandidate(current, 'alice', 'required')).toEqual({
      ok: true,
      role: 'required',
      login: 'bob',
      source: 'team',
      reason: 'maintainer of team search (from the policy), 1 open review, never asked',
    });
  });

  it('never gives back the reviewer being replaced, and says so when nobody else is left', () => {
    const result = nextCandidate(input({ maintainers: { team: ['alice'], codeowners: [], repository: [] }, alreadyChosen: ['alice', 'carol'] }), 'alice', 'required');
    expect(result).toEqual({
      ok: false,
      problem: 'no_maintainer',
      message:
        "No maintainer can review: team search in the policy lists alice, CODEOWNERS lists nobody and the repository's maintainers on GitHub lists nobody; alice is the reviewer being replaced. " +
        'Add another maintainer to team search in the policy, or wait until one is available.',
    });
    expect(nextCandidate(input({ pool: ['carol'], alreadyChosen: ['alice', 'carol'] }), 'carol', 'second')).toMatchObject({ ok: false, problem: 'no_second_reviewer' });
  });
});

// ---- properties -------------------------------------------------------------------------------

const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const person = fc.constantFrom(...PEOPLE);
const spelled = person.chain((who) => fc.constantFrom(who, who.toUpperCase(), who[0]?.toUpperCase() + who.slice(1)));
const people = fc.uniqueArray(spelled, { maxLength: 6, selector: (who) => who.toLowerCase() });
const day = fc.integer({ min: 8, max: 16 }).map((d) => `2025-03-${String(d).padStart(2, '0')}`);
const period = fc.tuple(person, day, day).map(([login, a, b]) => ({ login, from: a < b ? a : b, to: a < b ? b : a }));
const loadArb = fc.record({
  openReviews: fc.integer({ min: 0, max: 3 }),
  askedLast30Days: fc.integer({ min: 0, max: 3 }),
  lastAskedAt: fc.option(fc.integer({ min: 1, max: 9 }).map((d) => `2025-03-0${d}T12:00:00Z`), { nil: null }),
});
const sources = fc.shuffledSubarray<MaintainerSource>(['team', 'codeowners', 'repository'], { minLength: 1 });
const inputArb: fc.Arbitrary<SelectionInput> = fc.record({
  maintainers: fc.record({ team: people, codeowners: people, repository: people }),
  pool: people,
  excluded: people,
  unavailable: fc.array(period, { maxLength: 4 }),
  load: fc.dictionary(person, loadArb),
  now: fc.constantFrom('2025-03-12T10:00:00Z', '2025-03-15T23:30:00Z'),
  policy: fc.record({ maintainerSources: sources }),
  teamName: fc.constant('search'),
  alreadyChosen: fc.option(people, { nil: undefined }),
});

const low = (who: string) => who.toLowerCase();
const unavailableOn = (i: SelectionInput, who: string) => i.unavailable.some((p) => low(p.login) === low(who) && p.from <= i.now.slice(0, 10) && i.now.slice(0, 10) <= p.to);
const blocked = (i: SelectionInput, who: string) =>
  i.excluded.some((x) => low(x) === low(who)) || unavailableOn(i, who) || (i.alreadyChosen ?? []).some((x) => low(x) === low(who));
const loadOf = (i: SelectionInput, who: string): ReviewLoad & { login: string } => {
  const key = Object.keys(i.load).sort().find((k) => low(k) === low(who));
  const found = key === undefined ? undefined : i.load[key];
  return { login: who, ...(found ?? { openReviews: 0, askedLast30Days: 0, lastAskedAt: null }) };
};

describe('selectReviewers properties', () => {
  it('never picks an excluded, unavailable or already chosen login; required is a maintainer of the first source with anyone eligible; two people', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const result = selectReviewers(i);
        const firstSource = i.policy.maintainerSources.find((s) => i.maintainers[s].some((who) => !blocked(i, who)));
        if (!result.ok) {
          if (result.problem === 'no_maintainer') expect(firstSource).toBeUndefined();
          // Nobody in the pool was eligible but, at most, the one who became the required reviewer.
          else expect(new Set(i.pool.filter((who) => !blocked(i, who)).map(low)).size).toBeLessThanOrEqual(1);
          return;
        }
        const { required, second } = result;
        for (const who of [required.login, second.login]) expect(blocked(i, who), who).toBe(false);
        expect(required.source).toBe(firstSource);
        expect(i.maintainers[required.source]).toContain(required.login);
        expect(i.pool).toContain(second.login);
        expect(low(required.login)).not.toBe(low(second.login));
      }),
      { numRuns: 500 },
    );
  });

  it('picks the least loaded of the eligible for each role', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const result = selectReviewers(i);
        if (!result.ok) return;
        const required = loadOf(i, result.required.login);
        for (const other of i.maintainers[result.required.source].filter((who) => !blocked(i, who))) {
          expect(compareCandidates(required, loadOf(i, other))).toBeLessThanOrEqual(0);
        }
        const second = loadOf(i, result.second.login);
        for (const other of i.pool.filter((who) => !blocked(i, who) && low(who) !== low(result.required.login))) {
          expect(compareCandidates(second, loadOf(i, other))).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic and independent of the order of its inputs', () => {
    const reversed = (i: SelectionInput): SelectionInput => ({
      ...i,
      maintainers: { team: [...i.maintainers.team].reverse(), codeowners: [...i.maintainers.codeowners].reverse(), repository: [...i.maintainers.repository].reverse() },
      pool: [...i.pool].reverse(),
      excluded: [...i.excluded].reverse(),
      unavailable: [...i.unavailable].reverse(),
      load: Object.fromEntries(Object.entries(i.load).reverse()),
      ...(i.alreadyChosen ? { alreadyChosen: [...i.alreadyChosen].reverse() } : {}),
    });
    fc.assert(
      fc.property(inputArb, (i) => {
        const result = selectReviewers(i);
        expect(selectReviewers(structuredClone(i))).toEqual(result);
        expect(selectReviewers(reversed(i))).toEqual(result);
      }),
      { numRuns: 300 },
    );
  });

  it('replaces with an eligible person who is neither current nor the one replaced', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom('required' as const, 'second' as const), (i, role) => {
        const chosen = selectReviewers(i);
        if (!chosen.ok) return;
        const current = [chosen.required.login, chosen.second.login];
        const replacing = role === 'required' ? chosen.required.login : chosen.second.login;
        const next = nextCandidate({ ...i, alreadyChosen: [...(i.alreadyChosen ?? []), ...current] }, replacing, role);
        if (!next.ok) return;
        expect(current.map(low)).not.toContain(low(next.login));
        expect(blocked(i, next.login)).toBe(false);
        if (role === 'required') expect(next.source && i.maintainers[next.source]).toContain(next.login);
        else expect(i.pool).toContain(next.login);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- fairness ---------------------------------------------------------------------------------

/** A running review team: each pick adds an open review; reviews complete over time. */
class Simulation {
  readonly open = new Map<string, number>();
  readonly asked = new Map<string, string[]>();
  private readonly reviews: { login: string; doneAfter: number }[] = [];
  clock = Date.parse('2025-03-03T09:00:00Z');

  load(): Record<string, ReviewLoad> {
    const cutoff = this.clock - 30 * 24 * 3_600_000;
    return Object.fromEntries(
      [...new Set([...this.open.keys(), ...this.asked.keys()])].map((who) => {
        const times = (this.asked.get(who) ?? []).filter((t) => Date.parse(t) > cutoff);
        return [who, { openReviews: this.open.get(who) ?? 0, askedLast30Days: times.length, lastAskedAt: this.asked.get(who)?.at(-1) ?? null }];
      }),
    );
  }

  assign(who: string, step: number, lifetime: number): void {
    this.open.set(who, (this.open.get(who) ?? 0) + 1);
    this.asked.set(who, [...(this.asked.get(who) ?? []), new Date(this.clock).toISOString()]);
    this.reviews.push({ login: who, doneAfter: step + lifetime });
  }

  complete(step: number, done: (index: number) => boolean): void {
    for (let index = this.reviews.length - 1; index >= 0; index--) {
      const review = this.reviews[index];
      if (review && (review.doneAfter <= step || done(index))) {
        this.open.set(review.login, (this.open.get(review.login) ?? 1) - 1);
        this.reviews.splice(index, 1);
      }
    }
    this.clock += 3_600_000;
  }
}

describe('fairness', () => {
  it('never gives a review to someone above the even share of those who could have taken it (200 models, random teams, exclusions and completions)', () => {
    const world = fc.record({
      size: fc.integer({ min: 3, max: 10 }),
      teams: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
      models: fc.array(fc.record({ team: fc.nat(), developer: fc.nat(), lifetime: fc.integer({ min: 1, max: 30 }), away: fc.option(fc.nat(), { freq: 5 }) }), {
        minLength: 200,
        maxLength: 200,
      }),
      completions: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    });
    fc.assert(
      fc.property(world, ({ size, teams, models, completions }) => {
        const everyone = PEOPLE.slice(0, size);
        const sim = new Simulation();
        models.forEach((model, step) => {
          const team = (teams[model.team % teams.length] ?? []).map((n) => everyone[n % size] as string);
          const developer = everyone[model.developer % size] as string;
          const away = model.away === null ? [] : [{ login: everyone[model.away % size] as string, from: '2025-01-01', to: '2025-12-31' }];
          const i = input({
            maintainers: { team, codeowners: [], repository: [] },
            pool: everyone,
            excluded: [developer],
            unavailable: away,
            load: sim.load(),
            now: new Date(sim.clock).toISOString(),
          });
          const result = selectReviewers(i);
          if (result.ok) {
            const before = sim.load();
            const openOf = (who: string) => before[who]?.openReviews ?? 0;
            const evenShare = (group: string[]) => group.reduce((sum, who) => sum + openOf(who), 0) / group.length;
            const eligibleMaintainers = [...new Set(team)].filter((who) => !blocked(i, who));
            const eligiblePool = everyone.filter((who) => !blocked(i, who) && who !== result.required.login);
            // After the pick, the chosen carries at most the even share of their group plus the one review just given.
            expect(openOf(result.required.login)).toBeLessThanOrEqual(evenShare(eligibleMaintainers));
            expect(openOf(result.second.login)).toBeLessThanOrEqual(evenShare(eligiblePool));
            sim.assign(result.required.login, step, model.lifetime);
            sim.assign(result.second.login, step, model.lifetime);
          }
          sim.complete(step, (index) => completions[(index + step) % completions.length] === true && (index + step) % 7 === 0);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('keeps everyone within one review of the even share when anyone may take any review (200 models, reviews completing over time)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { minLength: 200, maxLength: 200 }), (size, lifetime, teamPicks) => {
        const everyone = PEOPLE.slice(0, size);
        const teamNames = ['search', 'pricing', 'ads'];
        const sim = new Simulation();
        const given = new Map<string, number>();
        teamPicks.forEach((pick, step) => {
          const result = selectReviewers(
            input({ maintainers: { team: everyone, codeowners: [], repository: [] }, pool: everyone, teamName: teamNames[pick % 3] as string, load: sim.load(), now: new Date(sim.clock).toISOString() }),
          );
          expect(result.ok).toBe(size >= 2);
          if (!result.ok) return;
          for (const who of [result.required.login, result.second.login]) {
            sim.assign(who, step, lifetime);
            given.set(who, (given.get(who) ?? 0) + 1);
          }
          const open = everyone.map((who) => sim.open.get(who) ?? 0);
          const total = open.reduce((a, b) => a + b, 0);
          expect(Math.max(...open)).toBeLessThanOrEqual(Math.ceil(total / size) + 1);
          const counts = everyone.map((who) => given.get(who) ?? 0);
          expect(Math.max(...counts)).toBeLessThanOrEqual(Math.ceil((2 * (step + 1)) / size) + 1);
          sim.complete(step, () => false);
        });
      }),
      { numRuns: 60 },
    );
  });
});
