import nock from 'nock';
import userFixture from '../fixtures/jupyterhub/user-no-servers.json' with { type: 'json' };
import { pathOf } from './fake-jira.ts';

/**
 * JupyterHub's REST API at the wire for the research-server step: users and their named
 * servers, in the shape of the hub's documented user model. A started server answers as
 * pending (202), the way a spawner that takes a while does.
 */
export class FakeJupyterHub {
  readonly servers = new Map<string, Map<string, { pending: string | null; ready: boolean }>>();
  readonly starts: string[] = [];
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  install(): void {
    nock(this.baseUrl)
      .persist()
      .get(/^\/hub\/api\/users\/[^/]+$/)
      .reply(async (request: Request) => {
        const user = decodeURIComponent(pathOf(request).split('/')[4] ?? '');
        const servers = Object.fromEntries(
          [...(this.servers.get(user) ?? new Map()).entries()].map(([name, state]) => [
            name,
            { name, pending: state.pending, ready: state.ready, url: `/user/${user}/${name}/`, progress_url: `/hub/api/users/${user}/servers/${name}/progress`, user_options: {} },
          ]),
        );
        return [200, { ...userFixture, name: user, servers }];
      })
      .post(/^\/hub\/api\/users\/[^/]+\/servers\/[^/]+$/)
      .reply(async (request: Request) => {
        const [, , , , user = '', , name = ''] = pathOf(request).split('/').map(decodeURIComponent);
        const servers = this.servers.get(user) ?? new Map();
        if (servers.has(name)) return [400, { status: 400, message: `${user}'s server ${name} is already running` }];
        servers.set(name, { pending: 'spawn', ready: false });
        this.servers.set(user, servers);
        this.starts.push(`${user}/${name}`);
        return [202, ''];
      });
  }
}
