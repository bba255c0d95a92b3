import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canaryDecisionSchema,
  canaryGateSchema,
  decideClick,
  describeDecision,
  formatTimeLeft,
  type CanaryAction,
  type CanaryGate,
} from '../../src/domain/canary-decision.ts';

const MAINTAINER = 'U0MAINT0001';
const APPROVER = 'U0APPRV0001';
const DEVELOPER = 'U0DEVEL0001';
const STRANGER = 'U0STRNG0001';

const gate: CanaryGate = {
  issueKey: 'MLM-42',
  channel: 'C0SEARCH001',
  ts: '1764510000.000100',
  windowEndsAt: '2026-11-30T13:05:00.000Z',
  decisionDeadlineAt: '2026-11-30T15:05:00.000Z',
  deciders: [
    { slackId: MAINTAINER, reason: 'maintainer of team search' },
    { slackId: APPROVER, reason: 'platform approver' },
    // The developer is also a maintainer of the team; the bar wins.
    { slackId: DEVELOPER, reason: 'maintainer of team search' },
  ],
  barred: [{ slackId: DEVELOPER, reason: 'developer of the model; self-approval is off' }],
};

const at = (iso: string) => new Date(iso);

describe('decideClick', () => {
  it('refuses Approve before the window ends with the time left, and accepts it from the end of the window', () => {
    expect(decideClick(gate, { userId: MAINTAINER, action: 'approve', at: at('2026-11-30T13:03:20.000Z') })).toEqual({
      kind: 'refuse',
      reason: 'too_early',
      text: 'Approve becomes available in 1 m 40 s, after stabilisation.',
    });
    expect(decideClick(gate, { userId: MAINTAINER, action: 'approve', at: at('2026-11-30T13:04:59.001Z') })).toMatchObject({
      reason: 'too_early',
      text: 'Approve becomes available in 1 s, after stabilisation.',
    });
    expect(decideClick(gate, { userId: APPROVER, action: 'approve', at: at('2026-11-30T13:05:00.000Z') })).toEqual({ kind: 'accept' });
  });

  it('accepts Reject during the window', () => {
    expect(decideClick(gate, { userId: MAINTAINER, action: 'reject', at: at('2026-11-30T13:00:00.000Z') })).toEqual({ kind: 'accept' });
  });

  it('refuses someone who is not a decider, whatever the button and the time', () => {
    for (const action of ['approve', 'reject'] as const) {
      expect(decideClick(gate, { userId: STRANGER, action, at: at('2026-11-30T14:00:00.000Z') })).toEqual({
        kind: 'refuse',
        reason: 'not_allowed',
        text: "Only the model's maintainers and the platform's approvers can decide: you are not one of them.",
      });
    }
  });

  it('refuses the barred developer even when listed as a decider; Reject too unless the policy lets them roll back', () => {
    const late = at('2026-11-30T14:00:00.000Z');
    expect(decideClick(gate, { userId: DEVELOPER, action: 'approve', at: late })).toEqual({
      kind: 'refuse',
      reason: 'barred',
      text: 'You developed this model: self-approval is off.',
    });
    expect(decideClick(gate, { userId: DEVELOPER, action: 'reject', at: late })).toMatchObject({ reason: 'barred' });
    expect(decideClick(gate, { userId: DEVELOPER, action: 'reject', at: late }, { barredMayReject: true })).toEqual({ kind: 'accept' });
    expect(decideClick(gate, { userId: DEVELOPER, action: 'approve', at: late }, { barredMayReject: true })).toMatchObject({ reason: 'barred' });
  });

  it('refuses every click when no canary waits', () => {
    expect(decideClick(null, { userId: MAINTAINER, action: 'approve', at: at('2026-11-30T14:00:00.000Z') })).toMatchObject({ kind: 'refuse', reason: 'no_gate' });
  });

  describe('properties', () => {
    const userId = fc.constantFrom(MAINTAINER, APPROVER, DEVELOPER, STRANGER, 'U0OTHER0001');
    const action = fc.constantFrom<CanaryAction>('approve', 'reject');
    const people = fc.array(fc.record({ slackId: userId, reason: fc.constant('listed') }), { maxLength: 4 });
    const windowEnd = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) });
    const anyGate = fc.record({ deciders: people, barred: people, windowEndsAt: windowEnd }).map(
      ({ deciders, barred, windowEndsAt }): CanaryGate => ({ ...gate, deciders, barred, windowEndsAt: new Date(windowEndsAt).toISOString() }),
    );
    const offset = fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 });

    it('never accepts a non-decider or a barred person', () => {
      fc.assert(
        fc.property(anyGate, userId, action, offset, fc.boolean(), (g, user, act, delta, barredMayReject) => {
          const verdict = decideClick(g, { userId: user, action: act, at: new Date(Date.parse(g.windowEndsAt) + delta) }, { barredMayReject });
          if (verdict.kind !== 'accept') return;
          expect(g.deciders.some((p) => p.slackId === user)).toBe(true);
          const barred = g.barred.some((p) => p.slackId === user);
          expect(barred && !(act === 'reject' && barredMayReject)).toBe(false);
        }),
      );
    });

    it('never accepts Approve before the window ends, and every too-early refusal names a positive time left', () => {
      fc.assert(
        fc.property(anyGate, userId, offset, (g, user, delta) => {
          const clickAt = new Date(Date.parse(g.windowEndsAt) + delta);
          const verdict = decideClick(g, { userId: user, action: 'approve', at: clickAt });
          if (delta < 0) expect(verdict.kind).toBe('refuse');
          if (verdict.kind === 'refuse' && verdict.reason === 'too_early') {
            expect(delta).toBeLessThan(0);
            expect(verdict.text).toMatch(/^Approve becomes available in [1-9]\d* [hms]( \d+ [ms])*, after stabilisation\.$/);
          }
        }),
      );
    });
  });
});

describe('formatTimeLeft', () => {
  it('rounds up to the second and leaves out zero parts', () => {
    expect(formatTimeLeft(100_000)).toBe('1 m 40 s');
    expect(formatTimeLeft(99_001)).toBe('1 m 40 s');
    expect(formatTimeLeft(45_000)).toBe('45 s');
    expect(formatTimeLeft(120_000)).toBe('2 m');
    expect(formatTimeLeft(3_900_000)).toBe('1 h 5 m');
    expect(formatTimeLeft(1)).toBe('1 s');
    expect(formatTimeLeft(0)).toBe('0 s');
  });
});

describe('schemas', () => {
  it('takes the gate the delivery stage writes and names the field of a bad one', () => {
    expect(canaryGateSchema.parse(gate)).toEqual(gate);
    const bad = canaryGateSchema.safeParse({ ...gate, deciders: [{ slackId: '@spengler', reason: 'maintainer' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['deciders', 0, 'slackId']);
  });

  it('takes a decision with or without a reason, and describes it as the message will say it', () => {
    const approve = canaryDecisionSchema.parse({ action: 'approve', userId: MAINTAINER, userName: 'spengler', decidedAt: '2026-11-30T13:06:10.000Z' });
    expect(describeDecision(approve)).toBe(`Approved by <@${MAINTAINER}> at 13:06 UTC`);
    const reject = canaryDecisionSchema.parse({ action: 'reject', userId: APPROVER, userName: 'venkman', decidedAt: '2026-11-30T13:01:00.000Z', reason: 'p99 latency doubled' });
    expect(describeDecision(reject)).toBe(`Rejected by <@${APPROVER}> at 13:01 UTC: p99 latency doubled`);
    expect(canaryDecisionSchema.safeParse({ ...reject, reason: '' }).success).toBe(false);
  });
});
