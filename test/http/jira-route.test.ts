import { describe, expect, it } from 'vitest';
import { routeJiraDelivery, type JiraRoutingConfig } from '../../src/http/jira-route.ts';
import { fixtureJson } from './support.ts';

const now = () => new Date('2026-02-01T12:00:00.000Z');
const statuses = { research: 'To Do', ready_for_training: 'In Progress' };
const bug: JiraRoutingConfig = { project: 'BUG', issueType: 'Bug', statusRoles: statuses };
const abc: JiraRoutingConfig = { project: 'ABC', issueType: 'Task', statusRoles: statuses };

type Json = Record<string, unknown>;
const fieldsOf = (payload: Json) => (payload.issue as Json).fields as Json;

describe('routeJiraDelivery', () => {
  it('starts a lifecycle for a created ticket, dated by its creation time', () => {
    expect(routeJiraDelivery(fixtureJson('issue_created'), bug, now)).toEqual({
      kind: 'start',
      webhookEvent: 'jira:issue_created',
      issueKey: 'BUG-15',
      createdAt: '2013-03-27T16:53:58.301Z',
    });
  });

  it('dates a creation by the event timestamp, then by the clock, when the issue carries no date', () => {
    const payload = fixtureJson('issue_created');
    delete fieldsOf(payload).created;
    expect(routeJiraDelivery(payload, bug, now)).toMatchObject({ createdAt: '2013-03-27T16:53:58.369Z' });
    delete payload.timestamp;
    expect(routeJiraDelivery(payload, bug, now)).toMatchObject({ createdAt: '2026-02-01T12:00:00.000Z' });
  });

  it('compares project keys and type names regardless of case', () => {
    expect(routeJiraDelivery(fixtureJson('issue_created'), { ...bug, project: 'bug', issueType: 'BUG' }, now)).toMatchObject({ kind: 'start' });
  });

  it('ignores another issue type and another project', () => {
    expect(routeJiraDelivery(fixtureJson('issue_created'), { ...bug, issueType: 'Model' }, now)).toEqual({
      kind: 'ignore',
      webhookEvent: 'jira:issue_created',
      reason: 'issue_type',
      issueKey: 'BUG-15',
    });
    expect(routeJiraDelivery(fixtureJson('issue_created'), { ...bug, project: 'MLM' }, now)).toMatchObject({ kind: 'ignore', reason: 'project' });
  });

  it('reads the project from fields.project.key before the key prefix', () => {
    // The recorded delivery's key is TEST-1 but its project is ABC.
    expect(routeJiraDelivery(fixtureJson('issue_updated_status'), { ...abc, project: 'TEST' }, now)).toMatchObject({ kind: 'ignore', reason: 'project' });
    expect(routeJiraDelivery(fixtureJson('issue_updated_status'), abc, now)).toMatchObject({ kind: 'correlate' });
  });

  it('maps a status move to its role, whatever the case of the name', () => {
    expect(routeJiraDelivery(fixtureJson('issue_updated_status'), { ...abc, statusRoles: { ready_for_training: 'in progress' } }, now)).toEqual({
      kind: 'correlate',
      webhookEvent: 'jira:issue_updated',
      issueKey: 'TEST-1',
      status: { name: 'In Progress', role: 'ready_for_training' },
      messages: ['jira-status:ready_for_training', 'jira-ticket:updated'],
    });
  });

  it('sends the status message only for roles the BPMN waits for', () => {
    expect(routeJiraDelivery(fixtureJson('issue_updated_status'), { ...abc, statusRoles: { research: 'In Progress', ready_for_training: 'Done' } }, now)).toEqual({
      kind: 'correlate',
      webhookEvent: 'jira:issue_updated',
      issueKey: 'TEST-1',
      status: { name: 'In Progress', role: 'research' },
      messages: ['jira-ticket:updated'],
    });
  });

  it('takes the last status item and skips custom fields named status', () => {
    const payload = fixtureJson('issue_updated_status');
    const changelog = payload.changelog as { items: Json[] };
    changelog.items = [
      { field: 'status', fieldtype: 'jira', toString: 'To Do' },
      ...changelog.items,
      { field: 'status', fieldtype: 'custom', toString: 'To Do' },
    ];
    expect(routeJiraDelivery(payload, abc, now)).toMatchObject({ status: { name: 'In Progress', role: 'ready_for_training' } });
  });

  it("routes Atlassian's documented example: no issue details, no status item", () => {
    expect(routeJiraDelivery(fixtureJson('issue_updated_atlassian_example'), { project: 'JRA', issueType: 'Model', statusRoles: statuses }, now)).toEqual({
      kind: 'correlate',
      webhookEvent: 'jira:issue_updated',
      issueKey: 'JRA-20002',
      messages: ['jira-ticket:updated'],
    });
  });

  it('treats a changelog item without its own toString as carrying no new value', () => {
    const payload = fixtureJson('issue_updated_status');
    (payload.changelog as { items: Json[] }).items = [{ field: 'status', fieldtype: 'jira', to: '3' }];
    expect(routeJiraDelivery(payload, abc, now)).toEqual({
      kind: 'correlate',
      webhookEvent: 'jira:issue_updated',
      issueKey: 'TEST-1',
      messages: ['jira-ticket:updated'],
    });
  });

  it.each([
    ['no webhookEvent', {}, 'webhookEvent'],
    ['an array body', [], 'body'],
    ['no issue', { webhookEvent: 'jira:issue_created' }, 'issue'],
    ['a malformed key', { webhookEvent: 'jira:issue_updated', issue: { key: '../admin' } }, 'issue.key'],
    ['a non-string status name', { webhookEvent: 'jira:issue_updated', issue: { key: 'ABC-1' }, changelog: { items: [{ field: 'status', toString: 3 }] } }, 'changelog.items.0.toString'],
  ])('names the bad field for %s', (_title, body, field) => {
    expect(routeJiraDelivery(body, abc, now)).toMatchObject({ kind: 'invalid', field });
  });

  it('ignores other events without validating their bodies', () => {
    expect(routeJiraDelivery({ webhookEvent: 'comment_created', comment: {} }, abc, now)).toEqual({ kind: 'ignore', webhookEvent: 'comment_created', reason: 'event' });
  });
});
