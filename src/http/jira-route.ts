import { z } from 'zod';
import { issueKey } from '../domain/lifecycle-variables.ts';
import { AWAITED_STATUS_ROLES, statusMessage, TICKET_UPDATED_MESSAGE } from '../lifecycle/contract.ts';

/*
 * What a Jira webhook body means for the lifecycle, decided without I/O. The schema reads
 * only what routing needs and lets everything else through: a site's custom fields, apps
 * and Jira versions add to the body freely. Shapes follow Atlassian's documented
 * issue-event callback (https://developer.atlassian.com/cloud/jira/platform/webhooks/) and
 * recorded deliveries (test/fixtures/jira/webhooks/SOURCES.md).
 */

const envelope = z.looseObject({
  webhookEvent: z.string().min(1).describe('The event, e.g. "jira:issue_created"'),
});

/**
 * Zod reads `item.toString` like any property, so an item without its own `toString` would
 * see `Object.prototype.toString`. Copying onto a null-prototype object first makes an
 * absent key absent.
 */
function withoutPrototype(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.assign(Object.create(null) as object, value) : value;
}

const changelogItem = z
  .preprocess(
    withoutPrototype,
    z.looseObject({
      field: z.string().describe('Changed field, e.g. "status", "summary"'),
      fieldtype: z.string().optional().describe('"jira" for system fields, "custom" for custom fields'),
      toString: z.string().nullable().optional().describe('The new value as a person reads it, e.g. the status name'),
    }),
  )
  .transform((item) => ({
    field: item.field,
    fieldtype: item.fieldtype,
    toText: Object.hasOwn(item, 'toString') ? (item.toString ?? null) : null,
  }));

export const jiraIssueEventSchema = z.looseObject({
  webhookEvent: z.enum(['jira:issue_created', 'jira:issue_updated']),
  timestamp: z
    .union([z.number(), z.string()])
    .optional()
    .describe('When Jira raised the event: epoch milliseconds (Cloud) or a date string (older examples)'),
  issue: z.looseObject({
    key: issueKey,
    fields: z
      .looseObject({
        project: z.looseObject({ key: z.string().min(1) }).optional(),
        issuetype: z.looseObject({ name: z.string().min(1) }).optional(),
        created: z.string().optional().describe('Creation time, e.g. "2013-03-27T16:53:58.301+0000"'),
      })
      .optional()
      .describe('Absent when a Data Center webhook excludes issue details'),
  }),
  changelog: z.looseObject({ items: z.array(changelogItem) }).optional(),
});
export type JiraIssueEvent = z.infer<typeof jiraIssueEventSchema>;

/** A body that is not what Jira sends; `field` is the dotted path of the first problem. */
export interface InvalidPayload {
  readonly kind: 'invalid';
  readonly field: string;
  readonly message: string;
}

/** What the lifecycle config says about which tickets are model tickets. */
export interface JiraRoutingConfig {
  /** `policy.jira.project`: the project key, e.g. "MLM". */
  readonly project: string;
  /** `policy.jira.issue_type`: the issue type name, e.g. "Model". */
  readonly issueType: string;
  /** `policy.jira.statuses`: role → status name, e.g. `{ ready_for_training: "Ready for training" }`. */
  readonly statusRoles: Readonly<Record<string, string>>;
}

export type JiraRoute =
  | { readonly kind: 'start'; readonly webhookEvent: string; readonly issueKey: string; readonly createdAt: string }
  | {
      readonly kind: 'correlate';
      readonly webhookEvent: string;
      readonly issueKey: string;
      /** The new status when this update moved the ticket, and its role when one maps to it. */
      readonly status?: { readonly name: string; readonly role?: string };
      /** In order: `jira-status:<role>` when a role matched, then always `jira-ticket:updated`. */
      readonly messages: readonly string[];
    }
  | { readonly kind: 'ignore'; readonly webhookEvent: string; readonly reason: string; readonly issueKey?: string };

/**
 * Reads a parsed JSON body and decides what it asks for: start a lifecycle, correlate
 * messages, ignore it, or reject it as invalid. `now` dates a creation whose body carries
 * neither `issue.fields.created` nor `timestamp`.
 */
export function routeJiraDelivery(body: unknown, config: JiraRoutingConfig, now: () => Date): JiraRoute | InvalidPayload {
  const head = envelope.safeParse(body);
  if (!head.success) return invalid(head.error);
  const webhookEvent = head.data.webhookEvent;
  if (webhookEvent !== 'jira:issue_created' && webhookEvent !== 'jira:issue_updated') {
    return { kind: 'ignore', webhookEvent, reason: 'event' };
  }

  const parsed = jiraIssueEventSchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const event = parsed.data;
  const key = event.issue.key;
  const fields = event.issue.fields;

  // The key's prefix is the project key at the time of the event; the field wins when present.
  const project = fields?.project?.key ?? key.slice(0, key.lastIndexOf('-'));
  if (project.toUpperCase() !== config.project.toUpperCase()) return { kind: 'ignore', webhookEvent, reason: 'project', issueKey: key };

  const issueType = fields?.issuetype?.name;
  if (issueType !== undefined && !sameName(issueType, config.issueType)) {
    return { kind: 'ignore', webhookEvent, reason: 'issue_type', issueKey: key };
  }

  if (event.webhookEvent === 'jira:issue_created') {
    if (issueType === undefined) {
      return {
        kind: 'invalid',
        field: 'issue.fields.issuetype.name',
        message: 'a created issue must name its issue type; include issue details in the webhook',
      };
    }
    return { kind: 'start', webhookEvent, issueKey: key, createdAt: createdAt(fields?.created, event.timestamp, now) };
  }

  const statusItem = event.changelog?.items.findLast((item) => item.field === 'status' && item.fieldtype !== 'custom');
  const statusName = statusItem?.toText ?? undefined;
  const role = statusName === undefined ? undefined : roleOf(statusName, config.statusRoles);
  // The status message goes out only for roles the BPMN waits for; the update message always.
  const awaited = role !== undefined && AWAITED_STATUS_ROLES.includes(role);
  const messages = awaited ? [statusMessage(role), TICKET_UPDATED_MESSAGE] : [TICKET_UPDATED_MESSAGE];
  return {
    kind: 'correlate',
    webhookEvent,
    issueKey: key,
    ...(statusName === undefined ? {} : { status: role === undefined ? { name: statusName } : { name: statusName, role } }),
    messages,
  };
}

function invalid(error: z.ZodError): InvalidPayload {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return { kind: 'invalid', field, message: issue?.message ?? 'invalid payload' };
}

/** Jira names (issue types, statuses) are unique regardless of case. */
function sameName(a: string, b: string): boolean {
  return a.trim().localeCompare(b.trim(), undefined, { sensitivity: 'accent' }) === 0;
}

function roleOf(statusName: string, statusRoles: Readonly<Record<string, string>>): string | undefined {
  return Object.entries(statusRoles).find(([, name]) => sameName(name, statusName))?.[0];
}

/** An ISO-8601 instant: from the issue's `created`, else the event's `timestamp`, else now. */
function createdAt(created: string | undefined, timestamp: number | string | undefined, now: () => Date): string {
  for (const candidate of [created, timestamp]) {
    if (candidate === undefined) continue;
    const date = new Date(candidate);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return now().toISOString();
}
