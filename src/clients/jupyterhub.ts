import type { Logger } from 'pino';
import { z } from 'zod';
import { ClientError, genericHint, unexpectedAnswer } from './errors.ts';
import { classifyHttpError, httpFailure, HttpStatusError, vendorErrorText } from './http.ts';
import { resolveRetryPolicy, withRetry, type RetryOptions, type RetryPolicy } from './retry.ts';

/** Options of {@link JupyterHubClient}. */
export interface JupyterHubClientOptions {
  /** Hub URL without `/hub`: `https://hub.example.com`. */
  readonly baseUrl: string;
  readonly token: string;
  readonly retry?: RetryOptions;
  readonly log?: Logger;
}

export type ServerState = 'running' | 'pending' | 'started';

const serverModel = z.object({
  name: z.string().optional(),
  ready: z.boolean(),
  pending: z.string().nullish(),
  url: z.string().optional(),
});

const userModel = z.object({
  name: z.string(),
  servers: z.record(z.string(), serverModel).optional(),
});

const errorBody = z.object({ message: z.string().optional() });

/** An error answer, kept with its status and headers for the retry loop. */
class HubHttpError extends HttpStatusError {
  override readonly name = 'HubHttpError';
}

/**
 * A thin typed client for starting a developer's named JupyterHub server, over fetch and the
 * JupyterHub REST API (https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html).
 * The token needs the `read:servers` and `servers` scopes on the users it starts servers for.
 */
export class JupyterHubClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly policy: RetryPolicy;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private readonly log: Logger | undefined;

  constructor(options: JupyterHubClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.policy = resolveRetryPolicy(options.retry);
    this.sleep = options.retry?.sleep;
    this.log = options.log;
  }

  /**
   * Starts `user`'s server `serverName` unless it is already running or starting: the user
   * model is read first, so a rerun does not ask twice. JupyterHub answers the start with
   * 201 (ready: `started`) or 202 (spawning: `pending`).
   */
  async startNamedServer(input: { user: string; serverName: string }): Promise<{ url: string; state: ServerState }> {
    const url = this.serverUrl(input.user, input.serverName);
    const operation = `starting server "${input.serverName}" of JupyterHub user ${input.user}`;
    const current = await this.serverState(input.user, input.serverName);
    if (current === 'running' || current === 'pending') return { url, state: current };
    if (current === 'stopping') {
      throw new ClientError({
        system: 'JupyterHub',
        operation,
        status: 200,
        problem: 'the server is still stopping',
        hint: 'the engine retries the task once it has stopped',
        retryable: true,
      });
    }
    const path = `/hub/api/users/${encodeURIComponent(input.user)}/servers/${encodeURIComponent(input.serverName)}`;
    try {
      const { status } = await this.request('POST', path, {});
      return { url, state: status === 201 ? 'started' : 'pending' };
    } catch (error) {
      // Lost a race with another start: JupyterHub says so with a 400.
      if (error instanceof HubHttpError && error.status === 400 && /already running|is pending spawn/i.test(error.vendorMessage ?? '')) {
        return { url, state: /already running/i.test(error.vendorMessage ?? '') ? 'running' : 'pending' };
      }
      throw hubFailure(error, operation, {
        400: /named servers/i.test(error instanceof HubHttpError ? (error.vendorMessage ?? '') : '')
          ? 'enable named servers in JupyterHub (c.JupyterHub.allow_named_servers = True)'
          : 'check the server name and the named-server limit of the user',
        403: 'the JupyterHub token needs the servers scope for this user',
        404: `user ${input.user} is not known to JupyterHub; the developer must log in to JupyterHub once`,
      });
    }
  }

  /** `{baseUrl}/user/{user}/{serverName}/`, where the developer opens the server. */
  serverUrl(user: string, serverName: string): string {
    return `${this.baseUrl}/user/${encodeURIComponent(user)}/${encodeURIComponent(serverName)}/`;
  }

  private async serverState(user: string, serverName: string): Promise<'running' | 'pending' | 'stopping' | 'absent'> {
    const operation = `reading JupyterHub user ${user}`;
    let model: z.infer<typeof userModel>;
    try {
      const { body } = await this.request('GET', `/hub/api/users/${encodeURIComponent(user)}`);
      const parsed = userModel.safeParse(body);
      if (!parsed.success) {
        throw unexpectedAnswer('JupyterHub', operation, parsed.error, 'check JUPYTERHUB_URL: it is the hub root, without /hub');
      }
      model = parsed.data;
    } catch (error) {
      throw hubFailure(error, operation, {
        403: 'the JupyterHub token needs the read:users and read:servers scopes',
        404: `user ${user} is not known to JupyterHub; the developer must log in to JupyterHub once`,
      });
    }
    if (model.servers === undefined) {
      // Without read:servers JupyterHub leaves `servers` out; the start itself reports a running server.
      this.log?.warn({ user }, 'JupyterHub user model has no servers field; the token lacks read:servers');
      return 'absent';
    }
    const server = model.servers[serverName];
    if (!server) return 'absent';
    if (server.ready) return 'running';
    if (server.pending === 'stop') return 'stopping';
    return server.pending ? 'pending' : 'absent';
  }

  /** One call with retries; answers the status and the JSON body (undefined when there is none). */
  private async request(method: 'GET' | 'POST', path: string, payload?: unknown): Promise<{ status: number; body: unknown }> {
    return withRetry(
      async () => {
        const response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `token ${this.token}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        });
        const text = await response.text();
        if (!response.ok) throw new HubHttpError(response.status, response.statusText, response.headers, undefined, hubErrorText(text));
        return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      },
      {
        policy: this.policy,
        classify: classifyHttpError(HubHttpError),
        what: `JupyterHub ${method} ${path}`,
        log: this.log,
        sleep: this.sleep,
      },
    );
  }
}

/** JupyterHub's error body is `{"status": 400, "message": "…"}`. */
function hubErrorText(text: string): string | undefined {
  return vendorErrorText(text, (body) => {
    const parsed = errorBody.safeParse(body);
    return parsed.success && parsed.data.message ? { code: undefined, message: parsed.data.message } : undefined;
  }).message;
}

function hubFailure(error: unknown, operation: string, hints: Readonly<Record<number, string>>): ClientError {
  return httpFailure(error, { system: 'JupyterHub', operation, hint: (answer) => hints[answer.status] ?? genericHint('JupyterHub', answer.status) });
}
