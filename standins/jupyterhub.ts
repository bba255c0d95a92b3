/**
 * A stateful JupyterHub stand-in on loopback, shared by the end-to-end tests and the local
 * sandbox. It answers the calls {@link JupyterHubClient} (src/clients/jupyterhub.ts) makes, in
 * the shapes of the hub's REST API as its documentation shows them (the trimmed copies under
 * test/fixtures/jupyterhub, see its SOURCES.md), and keeps users and their named servers, which
 * spawn, become ready and stop.
 *
 * What it serves (under `/hub/api`, behind `Authorization: token <token>` or `Bearer <token>`):
 *
 * | Call | Answer |
 * | --- | --- |
 * | `GET /hub/api/` | `{ "version": … }`, without a token, as the hub answers |
 * | `GET /hub/api/users/{name}` | the user model (`user-no-servers.json`) with its active named servers (`user-server-pending.json`, `user-server-ready.json`); 404 for a user the hub does not know |
 * | `POST /hub/api/users/{name}/servers/{server}` | 201 when the spawn ends within the slow-spawn timeout, else 202 (still pending); 400 `…:server is already running`, `… is pending spawn`, or `Named servers are not enabled.` |
 * | `DELETE /hub/api/users/{name}/servers/{server}` | 204, the server stopped (no longer listed); 404 when it is not running |
 *
 * A missing or wrong token → 403 `Action is not authorized with current scopes…`, as the hub
 * answers a request without the scopes it needs. Errors are the hub's JSON `{ status, message }`.
 * Anything else → 404. Not served: the default (unnamed) server, progress event streams,
 * tokens, groups, services, `include_stopped_servers`, the named-server limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import pendingFixture from '../test/fixtures/jupyterhub/user-server-pending.json' with { type: 'json' };
import userFixture from '../test/fixtures/jupyterhub/user-no-servers.json' with { type: 'json' };
import { appendCapped, ChangeListeners, Faults, jsonAnswer, LoopbackServer, messageOf, serveUnderFault, writeAnswer, type LoopbackAnswer, type LoopbackFault, type LoopbackRequest } from './loopback.ts';

/** A server's state, as the hub's server model has it. */
export interface JupyterHubStandInServer {
  /** `spawn` while starting, `stop` while stopping, else null. */
  pending: string | null;
  ready: boolean;
}

/** A state change, for a page that shows the hub live. */
export type JupyterHubStandInChange =
  | { readonly type: 'server-spawning'; readonly user: string; readonly server: string }
  | { readonly type: 'server-ready'; readonly user: string; readonly server: string }
  | { readonly type: 'server-stopped'; readonly user: string; readonly server: string };

/** The hub as plain JSON, for a page. */
export interface JupyterHubStandInSnapshot {
  readonly users: ReadonlyArray<{
    readonly name: string;
    readonly servers: ReadonlyArray<{ readonly name: string; readonly pending: string | null; readonly ready: boolean; readonly url: string; readonly started: string }>;
  }>;
}

/** A fault for the next matching request: do the work and drop the connection, or answer with a status (and body) without doing it. */
export type JupyterHubStandInFault = LoopbackFault;

/** Options of {@link JupyterHubStandIn}. */
export interface JupyterHubStandInOptions {
  /** The API token the service sends (`JUPYTERHUB_TOKEN`). */
  readonly token: string;
  /** Users the hub knows (they have logged in once). Default: any user, as a hub whose authenticator creates users. */
  readonly users?: readonly string[];
  /** `c.JupyterHub.allow_named_servers`. Default true. */
  readonly namedServers?: boolean;
  /** How long a spawn takes; null: it stays pending until {@link JupyterHubStandIn.finishSpawn}. Default 500 ms. */
  readonly spawnDelayMs?: number | null;
  /**
   * `c.JupyterHub.slow_spawn_timeout`: how long the start request waits for the spawn before
   * answering 202 (the hub's default is 10 s). Default 0: answer at once, so nothing waits.
   */
  readonly slowSpawnTimeoutMs?: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Answer = LoopbackAnswer;

interface ServerTimes {
  started: number;
  lastActivity: number;
  timer: NodeJS.Timeout | null;
}

const VERSION = '5.3.0';
const JSON_TYPE = 'application/json; charset=UTF-8';
const USER_NAME = /^[^/]+$/;
const startOptions = z.record(z.string(), z.unknown()).optional();

/** A JupyterHub for tests and the sandbox; see the module comment for what it serves. */
export class JupyterHubStandIn {
  /** Active servers by user, then by server name. */
  readonly servers = new Map<string, Map<string, JupyterHubStandInServer>>();
  /** Every start that spawned a server, as `user/server`. */
  readonly starts: string[] = [];
  /** Every request (the latest 10 000), as `METHOD /path` without the query. */
  readonly requests: string[] = [];

  private readonly options: Required<Omit<JupyterHubStandInOptions, 'users'>> & { users: Set<string> | null };
  private readonly times = new Map<string, ServerTimes>();
  private readonly created = new Map<string, number>();
  // A page's listener must not break the hub.
  private readonly listeners = new ChangeListeners<JupyterHubStandInChange>();
  private readonly faults = new Faults<JupyterHubStandInFault>();
  private readonly http = new LoopbackServer((request, res) => this.handle(request, res));

  constructor(options: JupyterHubStandInOptions) {
    this.options = {
      token: options.token,
      users: options.users === undefined ? null : new Set(options.users),
      namedServers: options.namedServers ?? true,
      spawnDelayMs: options.spawnDelayMs === undefined ? 500 : options.spawnDelayMs,
      slowSpawnTimeoutMs: options.slowSpawnTimeoutMs ?? 0,
    };
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one); answers the hub URL without `/hub` (`JUPYTERHUB_URL`). */
  async start(port = 0): Promise<string> {
    await this.http.start(port);
    return this.baseUrl;
  }

  /** Drops pending spawns and closes the server. */
  async stop(): Promise<void> {
    for (const times of this.times.values()) if (times.timer) clearTimeout(times.timer);
    await this.http.stop();
  }

  /** The hub URL, e.g. `http://127.0.0.1:41234`; valid after {@link start}. */
  get baseUrl(): string {
    return this.http.origin;
  }

  /** Makes the hub know `name`, as its first login does. */
  addUser(name: string): void {
    this.options.users?.add(name);
    if (!this.created.has(name)) this.created.set(name, Date.now());
  }

  /** Ends a pending spawn: the server becomes ready. False when no such spawn is pending. */
  finishSpawn(user: string, server: string): boolean {
    const state = this.servers.get(user)?.get(server);
    if (!state || state.pending !== 'spawn') return false;
    const times = this.times.get(`${user}/${server}`);
    if (times?.timer) clearTimeout(times.timer);
    if (times) times.timer = null;
    state.pending = null;
    state.ready = true;
    if (times) times.lastActivity = Date.now();
    this.listeners.emit({ type: 'server-ready', user, server });
    return true;
  }

  /** Stops a server, as its user or `DELETE …/servers/{server}` does. False when it is not running. */
  stopServer(user: string, server: string): boolean {
    const servers = this.servers.get(user);
    if (!servers?.has(server)) return false;
    const times = this.times.get(`${user}/${server}`);
    if (times?.timer) clearTimeout(times.timer);
    this.times.delete(`${user}/${server}`);
    servers.delete(server);
    this.listeners.emit({ type: 'server-stopped', user, server });
    return true;
  }

  /** Calls `listener` after every state change; answers the unsubscribe function. */
  onChange(listener: (change: JupyterHubStandInChange) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The hub as plain JSON: users with their active servers. */
  snapshot(): JupyterHubStandInSnapshot {
    const names = new Set([...this.created.keys(), ...this.servers.keys()]);
    return {
      users: [...names].map((name) => ({
        name,
        servers: [...(this.servers.get(name) ?? new Map<string, JupyterHubStandInServer>()).entries()].map(([server, state]) => ({
          name: server,
          pending: state.pending,
          ready: state.ready,
          url: `${this.baseUrl}${serverPath(name, server)}`,
          started: new Date(this.times.get(`${name}/${server}`)?.started ?? 0).toISOString(),
        })),
      })),
    };
  }

  /** The next request whose method and path (without the query) match gets `fault` ({@link JupyterHubStandInFault}), a status with the hub's JSON content type. */
  onNextRequest(match: { method: string; path: RegExp }, fault: JupyterHubStandInFault): void {
    this.faults.add(match, fault);
  }

  /** Forgets the faults {@link onNextRequest} set that no request has met yet. */
  clearFaults(): void {
    this.faults.clear();
  }

  // ---- HTTP ----

  private async handle({ req, method, url, body }: LoopbackRequest, res: ServerResponse): Promise<void> {
    appendCapped(this.requests, `${method} ${url.pathname}`);
    await serveUnderFault(
      res,
      this.faults.take(method, url.pathname),
      {
        faultAnswer: (fault) => ({ status: fault.status, headers: { 'Content-Type': JSON_TYPE, ...fault.headers }, body: fault.body ?? '' }),
        work: () => this.route(req, method, url, body),
        failed: (error) => hubError(500, messageOf(error)),
      },
      writeAnswer,
    );
  }

  private async route(req: IncomingMessage, method: string, url: URL, text: string): Promise<Answer> {
    const path = url.pathname;
    if ((path === '/hub/api' || path === '/hub/api/') && method === 'GET') return json(200, { version: VERSION });

    const user = /^\/hub\/api\/users\/([^/]+)$/.exec(path);
    const named = /^\/hub\/api\/users\/([^/]+)\/servers\/([^/]*)\/?$/.exec(path);
    if (!user && !named) return hubError(404, 'Not Found');
    if (!this.authorized(req.headers.authorization)) {
      const scope = method === 'GET' ? 'read:users' : 'servers';
      return hubError(403, `Action is not authorized with current scopes; requires any of [${scope}]`);
    }
    const name = decodeURIComponent((user ?? named)?.[1] ?? '');
    if (!USER_NAME.test(name) || !this.knows(name)) return hubError(404, 'Not Found');
    this.addUser(name);

    if (user) return method === 'GET' ? json(200, this.userModel(name)) : hubError(405, 'Method Not Allowed');
    const serverName = decodeURIComponent(named?.[2] ?? '');
    if (method === 'POST') return this.startServer(name, serverName, text);
    if (method === 'DELETE') return this.stopServer(name, serverName) ? { status: 204, headers: {}, body: '' } : hubError(404, `${name} has no server named '${serverName}'`);
    return hubError(405, 'Method Not Allowed');
  }

  private authorized(header: string | undefined): boolean {
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
    return match?.[1] === this.options.token;
  }

  private knows(name: string): boolean {
    return this.options.users === null || this.options.users.has(name);
  }

  /** `UserServerAPIHandler.post`: refuses a running or pending server, else spawns and waits up to the slow-spawn timeout. */
  private async startServer(user: string, serverName: string, text: string): Promise<Answer> {
    if (!this.options.namedServers) return hubError(400, 'Named servers are not enabled.');
    if (serverName === '') return hubError(400, 'Server name is required');
    let parsedOptions: unknown;
    try {
      parsedOptions = text === '' ? undefined : JSON.parse(text);
    } catch {
      return hubError(400, 'Invalid JSON in body');
    }
    if (!startOptions.safeParse(parsedOptions).success) return hubError(400, 'user_options must be a JSON object');

    const logName = `${user}:${serverName}`;
    const existing = this.servers.get(user)?.get(serverName);
    if (existing?.pending) return hubError(400, `${logName} is pending ${existing.pending}`);
    if (existing?.ready) return hubError(400, `${logName} is already running`);

    const servers = this.servers.get(user) ?? new Map<string, JupyterHubStandInServer>();
    const state: JupyterHubStandInServer = { pending: 'spawn', ready: false };
    servers.set(serverName, state);
    this.servers.set(user, servers);
    const now = Date.now();
    const times: ServerTimes = { started: now, lastActivity: now, timer: null };
    this.times.set(`${user}/${serverName}`, times);
    this.starts.push(`${user}/${serverName}`);
    this.listeners.emit({ type: 'server-spawning', user, server: serverName });

    const delay = this.options.spawnDelayMs;
    if (delay !== null) times.timer = setTimeout(() => this.finishSpawn(user, serverName), delay);
    const wait = Math.min(this.options.slowSpawnTimeoutMs, delay ?? Number.POSITIVE_INFINITY);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (delay !== null && delay <= this.options.slowSpawnTimeoutMs) this.finishSpawn(user, serverName);
    return state.ready ? { status: 201, headers: {}, body: '' } : { status: 202, headers: {}, body: '' };
  }

  /** The user model: `user-no-servers.json` with this user's active servers in the shape of `user-server-pending.json`. */
  private userModel(name: string): Json {
    const shape = pendingFixture.servers.research;
    const servers = Object.fromEntries(
      [...(this.servers.get(name) ?? new Map<string, JupyterHubStandInServer>()).entries()].map(([server, state]) => {
        const times = this.times.get(`${name}/${server}`);
        const entry: Json = {
          ...shape,
          name: server,
          last_activity: isoTime(times?.lastActivity ?? Date.now()),
          started: isoTime(times?.started ?? Date.now()),
          pending: state.pending,
          ready: state.ready,
          url: serverPath(name, server),
          user_options: {},
          progress_url: `/hub/api/users/${encodeURIComponent(name)}/servers/${encodeURIComponent(server)}/progress`,
        };
        return [server, entry];
      }),
    );
    const activity = Math.max(this.created.get(name) ?? 0, ...[...(this.servers.get(name)?.keys() ?? [])].map((server) => this.times.get(`${name}/${server}`)?.lastActivity ?? 0));
    return {
      ...userFixture,
      name,
      last_activity: isoTime(activity),
      created: isoTime(this.created.get(name) ?? Date.now()),
      servers,
    };
  }
}

function serverPath(user: string, server: string): string {
  return `/user/${encodeURIComponent(user)}/${encodeURIComponent(server)}/`;
}

function json(status: number, value: Json): Answer {
  return jsonAnswer(status, value, JSON_TYPE);
}

/** The hub's error body: `{"status": 400, "message": "…"}`. */
function hubError(status: number, message: string): Answer {
  return json(status, { status, message });
}

/** The hub's timestamps: ISO-8601 with microseconds and `Z` (`2021-08-03T18:48:29.093885Z`). */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
