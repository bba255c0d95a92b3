import { createHash } from 'node:crypto';
import nock from 'nock';
import repositoryFixture from '../fixtures/github/repository.json' with { type: 'json' };
import contentFixture from '../fixtures/github/content-file.json' with { type: 'json' };
import commitFixture from '../fixtures/github/file-commit.json' with { type: 'json' };
import topicsFixture from '../fixtures/github/topics.json' with { type: 'json' };
import protectionFixture from '../fixtures/github/branch-protection.json' with { type: 'json' };
import branchFixture from '../fixtures/github/branch.json' with { type: 'json' };
import { jsonOf, pathOf } from './fake-jira.ts';

export interface FakeRepo {
  owner: string;
  name: string;
  description: string;
  private: boolean;
  fromTemplate: string;
  files: Map<string, string>;
  topics: string[];
  teams: Map<string, string>;
  protection: unknown;
  /** Commits of the default branch, oldest first: the sha and the files as they were then. */
  commits: Array<{ sha: string; files: Map<string, string> }>;
}

/**
 * GitHub's REST API at the wire for the calls the repository steps make, answering with the
 * examples of GitHub's REST documentation. `failNext` makes the next matching requests answer
 * an error, the way an outage or a revoked permission would.
 */
export class FakeGitHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: string[] = [];
  /** Full names of repositories generated from a template, once per successful generate call. */
  readonly generated: string[] = [];
  private failures: Array<{ pattern: RegExp; status: number; body: nock.ReplyBody; times: number }> = [];

  readonly baseUrl: string;

  constructor(baseUrl = 'https://api.github.com') {
    this.baseUrl = baseUrl;
  }

  failNext(pattern: RegExp, times: number, status = 500, body: nock.ReplyBody = { message: 'Server Error' }): void {
    this.failures.push({ pattern, status, body, times });
  }

  install(): void {
    nock(this.baseUrl)
      .persist()
      .intercept(/.*/, 'GET')
      .reply(async (request: Request) => this.answer('GET', pathOf(request), undefined))
      .intercept(/.*/, 'POST')
      .reply(async (request: Request) => this.answer('POST', pathOf(request), await jsonOf(request)))
      .intercept(/.*/, 'PUT')
      .reply(async (request: Request) => this.answer('PUT', pathOf(request), await jsonOf(request)));
  }

  private answer(method: string, uri: string, body: unknown): nock.ReplyFnResult {
    const path = uri.split('?')[0] ?? uri;
    this.requests.push(`${method} ${path}`);
    const failure = this.failures.find((candidate) => candidate.times > 0 && candidate.pattern.test(`${method} ${path}`));
    if (failure) {
      failure.times--;
      return [failure.status, failure.body];
    }
    const input = (body ?? {}) as Record<string, unknown>;
    let match: RegExpExecArray | null;
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/generate$/.exec(path)) && method === 'POST') {
      const key = `${input.owner}/${input.name}`;
      if (this.repos.has(key)) return [422, { message: 'Could not clone: Name already exists on this account', status: '422' }];
      this.repos.set(key, {
        owner: String(input.owner),
        name: String(input.name),
        description: String(input.description ?? ''),
        private: Boolean(input.private),
        fromTemplate: `${match[1]}/${match[2]}`,
        files: new Map([['README.md', '# model template\n']]),
        topics: [],
        teams: new Map(),
        protection: null,
        commits: [],
      });
      this.commit(this.repos.get(key)!);
      this.generated.push(key);
      return [201, this.repoBody(this.repos.get(key)!)];
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path)) && method === 'GET') {
      const repo = this.repos.get(`${match[1]}/${match[2]}`);
      return repo ? [200, this.repoBody(repo)] : notFound();
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)$/.exec(path)) && method === 'GET') {
      const repo = this.repos.get(`${match[1]}/${match[2]}`);
      const head = repo?.commits.at(-1);
      if (!repo || !head || decodeURIComponent(match[3]!) !== 'main') return [404, { message: 'Branch not found', documentation_url: 'https://docs.github.com/rest/branches/branches#get-a-branch', status: '404' }];
      return [200, { ...branchFixture, commit: { ...branchFixture.commit, sha: head.sha, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${head.sha}` } }];
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(path))) {
      const repo = this.repos.get(`${match[1]}/${match[2]}`);
      if (!repo) return notFound();
      const file = decodeURIComponent(match[3]!);
      const ref = new URLSearchParams(uri.split('?')[1] ?? '').get('ref');
      const files = ref && ref !== 'main' ? repo.commits.find((commit) => commit.sha === ref)?.files : repo.files;
      if (!files) return [404, { message: `No commit found for the ref ${ref}`, documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content', status: '404' }];
      const current = files.get(file);
      if (method === 'GET') {
        if (current === undefined) return notFound();
        return [200, { ...contentFixture, name: file, path: file, sha: sha(current), content: Buffer.from(current).toString('base64'), encoding: 'base64' }];
      }
      if (current !== undefined && input.sha !== sha(current)) return [409, { message: `${file} does not match ${String(input.sha)}`, status: '409' }];
      repo.files.set(file, Buffer.from(String(input.content), 'base64').toString('utf8'));
      this.commit(repo);
      return [current === undefined ? 201 : 200, { ...commitFixture, content: { ...commitFixture.content, name: file, path: file, sha: sha(repo.files.get(file)!) } }];
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/topics$/.exec(path)) && method === 'PUT') {
      const repo = this.repos.get(`${match[1]}/${match[2]}`);
      if (!repo) return notFound();
      repo.topics = input.names as string[];
      return [200, { ...topicsFixture, names: repo.topics }];
    }
    if ((match = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/repos\/([^/]+)\/([^/]+)$/.exec(path)) && method === 'PUT') {
      const repo = this.repos.get(`${match[3]}/${match[4]}`);
      if (!repo) return notFound();
      repo.teams.set(match[2]!, String(input.permission));
      return [204, ''];
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)\/protection$/.exec(path)) && method === 'PUT') {
      const repo = this.repos.get(`${match[1]}/${match[2]}`);
      if (!repo) return notFound();
      repo.protection = input;
      return [200, protectionFixture as nock.ReplyBody];
    }
    return [404, { message: `no fake for ${method} ${path}` }];
  }

  /** A developer's push to the default branch: the file changes in a new head commit. */
  push(fullName: string, path: string, content: string): string {
    const repo = this.repos.get(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    repo.files.set(path, content);
    return this.commit(repo);
  }

  private commit(repo: FakeRepo): string {
    const head = createHash('sha1').update(`${repo.commits.length}:${JSON.stringify([...repo.files])}`).digest('hex');
    repo.commits.push({ sha: head, files: new Map(repo.files) });
    return head;
  }

  private repoBody(repo: FakeRepo): nock.ReplyBody {
    const fullName = `${repo.owner}/${repo.name}`;
    return {
      ...repositoryFixture,
      name: repo.name,
      full_name: fullName,
      description: repo.description,
      private: repo.private,
      html_url: `https://github.com/${fullName}`,
      url: `${this.baseUrl}/repos/${fullName}`,
      default_branch: 'main',
      owner: { ...repositoryFixture.owner, login: repo.owner },
    };
  }
}

function notFound(): nock.ReplyFnResult {
  return [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }];
}

function sha(content: string): string {
  return Buffer.from(content).toString('hex').slice(0, 40).padEnd(40, '0');
}
