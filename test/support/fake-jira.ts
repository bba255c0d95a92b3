import nock from 'nock';
import issueFixture from '../fixtures/jira/cloud/issue.json' with { type: 'json' };
import transitionsFixture from '../fixtures/jira/cloud/transitions.json' with { type: 'json' };

/**
 * A Jira Cloud site at the wire: keeps issues, comments (with entity properties) and remote
 * links in memory and answers with the shapes of Atlassian's published examples, so the
 * client's look-before-create sees what an earlier attempt did.
 */
export interface FakeIssue {
  key: string;
  summary: string;
  status: string;
  components: string[];
  assignee: { accountId: string; displayName: string; emailAddress: string } | null;
}

export interface FakeComment {
  id: string;
  body: unknown;
  properties: Array<{ key: string; value: unknown }>;
}

export class FakeJira {
  readonly issues = new Map<string, FakeIssue>();
  readonly comments = new Map<string, FakeComment[]>();
  readonly remoteLinks = new Map<string, Map<string, { url: string; title: string }>>();
  readonly transitions: Array<{ key: string; to: string }> = [];
  /** Every request, as `METHOD path`, for asserting how often something was called. */
  readonly requests: string[] = [];
  /** Called as each comment is stored, e.g. for timing its arrival (bench/training-callback.ts). */
  onComment: ((key: string, comment: FakeComment) => void) | undefined;
  private nextId = 10_000;

  readonly baseUrl: string;
  readonly statuses: readonly string[];

  constructor(baseUrl: string, statuses: readonly string[]) {
    this.baseUrl = baseUrl;
    this.statuses = statuses;
  }

  addIssue(issue: FakeIssue): void {
    this.issues.set(issue.key, issue);
  }

  /** Comments on an issue whose ADF text contains `text`. */
  commentsContaining(key: string, text: string): FakeComment[] {
    return (this.comments.get(key) ?? []).filter((comment) => JSON.stringify(comment.body).includes(text));
  }

  install(): void {
    const scope = nock(this.baseUrl).persist();
    const issuePath = /^\/rest\/api\/3\/issue\/([A-Z][A-Z0-9_]+-\d+)(\/[a-z]+)?(\?.*)?$/;
    scope
      .get(issuePath)
      .reply(async (request: Request) => this.answerGet(pathOf(request)))
      .post(issuePath)
      .reply(async (request: Request) => this.answerPost(pathOf(request), await jsonOf(request)))
      .post(/^\/rest\/api\/3\/comment\/list/)
      .reply(async (request: Request) => {
        const ids = new Set((((await jsonOf(request)) as { ids?: number[] }).ids ?? []).map(String));
        const values = [...this.comments.values()].flat().filter((comment) => ids.has(comment.id));
        return [200, { isLast: true, maxResults: 1000, startAt: 0, total: values.length, values }];
      });
  }

  private answerGet(uri: string): nock.ReplyFnResult {
    const [, key = '', sub] = issuePath(uri);
    this.requests.push(`GET ${sub ?? 'issue'} ${key}`);
    const issue = this.issues.get(key);
    if (!issue) return [404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }];
    if (sub === '/comment') {
      const comments = this.comments.get(key) ?? [];
      return [200, { comments, maxResults: 100, startAt: 0, total: comments.length }];
    }
    if (sub === '/transitions') {
      const transitions = this.statuses
        .filter((status) => status !== issue.status)
        .map((status, index) => ({ ...transitionsFixture.transitions[0]!, id: String(100 + index), name: `Move to ${status}`, to: { ...transitionsFixture.transitions[0]!.to, name: status } }));
      return [200, { transitions }];
    }
    return [200, this.issueBody(issue)];
  }

  private answerPost(uri: string, body: Record<string, unknown>): nock.ReplyFnResult {
    const [, key = '', sub] = issuePath(uri);
    this.requests.push(`POST ${sub} ${key}`);
    const issue = this.issues.get(key);
    if (!issue) return [404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }];
    if (sub === '/comment') {
      const comment: FakeComment = { id: String(this.nextId++), body: body.body, properties: (body.properties as FakeComment['properties']) ?? [] };
      this.comments.set(key, [...(this.comments.get(key) ?? []), comment]);
      this.onComment?.(key, comment);
      return [201, { id: comment.id, body: comment.body, created: new Date().toISOString() }];
    }
    if (sub === '/transitions') {
      const id = (body.transition as { id: string }).id;
      const to = this.statuses.filter((status) => status !== issue.status)[Number(id) - 100];
      if (!to) return [400, { errorMessages: [`Transition id '${id}' is not valid for this issue.`], errors: {} }];
      issue.status = to;
      this.transitions.push({ key, to });
      return [204, ''];
    }
    if (sub === '/remotelink') {
      const links = this.remoteLinks.get(key) ?? new Map();
      const object = body.object as { url: string; title: string };
      const existed = links.has(body.globalId as string);
      links.set(body.globalId as string, { url: object.url, title: object.title });
      this.remoteLinks.set(key, links);
      return [existed ? 200 : 201, { id: 10_000 + links.size, self: `${this.baseUrl}/rest/api/3/issue/${key}/remotelink/${10_000 + links.size}` }];
    }
    return [404, { errorMessages: [`no fake for POST ${uri}`] }];
  }

  private issueBody(issue: FakeIssue): nock.ReplyBody {
    const fields = issueFixture.fields;
    return {
      ...issueFixture,
      key: issue.key,
      id: String(20_000 + Number(issue.key.split('-')[1])),
      fields: {
        ...fields,
        summary: issue.summary,
        status: { ...fields.status, name: issue.status },
        issuetype: { ...fields.issuetype, name: 'Model' },
        project: { ...fields.project, key: issue.key.split('-')[0] },
        components: issue.components.map((name, index) => ({ self: `${this.baseUrl}/rest/api/3/component/${index}`, id: String(index), name })),
        assignee: issue.assignee ? { ...fields.assignee, ...issue.assignee } : null,
      },
    };
  }
}

/** nock 15 hands reply functions the request as a WHATWG Request. */
export function pathOf(request: Request): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

export async function jsonOf(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  return text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function issuePath(uri: string): [string, string | undefined, string | undefined] {
  const match = /^\/rest\/api\/3\/issue\/([^/?]+)(\/[a-z]+)?/.exec(uri);
  return [uri, match?.[1] ? decodeURIComponent(match[1]) : undefined, match?.[2]];
}
