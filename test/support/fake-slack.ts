import nock from 'nock';
import postMessageFixture from '../fixtures/slack/chat-postMessage.json' with { type: 'json' };

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/**
 * Slack's Web API at the wire for chat.postMessage and conversations.history, keeping the
 * messages (with their metadata) per channel.
 */
export class FakeSlack {
  readonly messages: FakeSlackMessage[] = [];
  readonly requests: string[] = [];
  private sequence = 0;
  private refusal: string | null = null;

  /** Makes chat.postMessage answer `{ ok: false, error }` until `restore()` is called. */
  refuse(error: string): { restore(): void } {
    this.refusal = error;
    return { restore: () => (this.refusal = null) };
  }

  install(): void {
    nock('https://slack.com')
      .persist()
      .post(/^\/api\/(chat\.postMessage|conversations\.history)$/)
      .reply(async (request: Request) => {
        const method = new URL(request.url).pathname.replace('/api/', '');
        this.requests.push(method);
        const args = parseBody(await request.text(), request.headers.get('content-type'));
        if (method === 'chat.postMessage' && this.refusal) return [200, { ok: false, error: this.refusal }];
        if (method === 'chat.postMessage') {
          const message: FakeSlackMessage = {
            channel: String(args.channel),
            ts: `${Math.floor(Date.now() / 1000)}.${String(this.sequence++ % 1_000_000).padStart(6, '0')}`,
            text: String(args.text ?? ''),
            blocks: parseJson(args.blocks) as unknown[] ?? [],
            metadata: parseJson(args.metadata) as FakeSlackMessage['metadata'],
          };
          this.messages.push(message);
          return [200, { ...postMessageFixture, channel: message.channel, ts: message.ts, message: { ...postMessageFixture.message, text: message.text, ts: message.ts } }];
        }
        // Newest first, from `cursor` on, no older than `oldest`, `limit` at a time, as Slack pages history.
        const oldest = Number(args.oldest ?? 0);
        const inChannel = this.messages.filter((message) => message.channel === args.channel && Number(message.ts) >= oldest).toReversed();
        const start = Number(args.cursor ?? 0);
        const limit = Number(args.limit ?? 100);
        const page = inChannel.slice(start, start + limit);
        const hasMore = start + limit < inChannel.length;
        return [
          200,
          {
            ok: true,
            messages: page.map((m) => ({ type: 'message', text: m.text, ts: m.ts, metadata: m.metadata })),
            has_more: hasMore,
            response_metadata: { next_cursor: hasMore ? String(start + limit) : '' },
          },
        ];
      });
  }
}

/** The Web API client sends form-encoded bodies with JSON-encoded nested fields. */
function parseBody(body: string, contentType: string | null): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
