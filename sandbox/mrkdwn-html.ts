import { escapeHtml, externalLink } from './html.ts';

/**
 * Slack `mrkdwn` → HTML, as Slack shows a message (https://api.slack.com/reference/surfaces/formatting).
 * Pure.
 *
 * - `*bold*`, `_italic_`, `~strike~`, `` `code` `` and ```` ```preformatted``` ````;
 * - `<url>` and `<url|text>` links (opening in a new tab; only http, https and mailto URLs
 *   become links), `<@U123>` / `<#C123|name>` mentions, `<!here>`, `<!date^…|fallback>`;
 * - the three escapes senders must use, `&amp;`, `&lt;` and `&gt;`, show as `&`, `<` and `>`;
 * - line breaks, and the `:emoji:` codes the service uses (others show as typed).
 *
 * Everything else shows as typed: the result never carries markup that was in the text.
 * Block quotes (`>` at a line's start) are not rendered: the service never sends them.
 */
export function mrkdwnToHtml(text: string): string {
  const pieces: string[] = [];
  const hold = (html: string): string => `${OPEN}${pieces.push(html) - 1}${CLOSE}`;

  let rest = text.replaceAll(OPEN, '').replaceAll(CLOSE, '');
  rest = rest.replace(/```([\s\S]*?)```/g, (_, code: string) => hold(`<pre class="mrkdwn-pre">${escapeHtml(unescapeSlack(code.replace(/^\n/, '')))}</pre>`));
  rest = rest.replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  rest = rest.replace(/<([^<>\n]+)>/g, (_, token: string) => hold(angleToken(token)));

  const html = formatInline(escapeHtml(emoji(unescapeSlack(rest)))).replace(/\r?\n/g, '<br>');
  return html.replace(PLACEHOLDER, (_, index: string) => pieces[Number(index)] ?? '');
}

// Private-use characters mark where a rendered piece goes back; they are removed from the input first.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  ballot_box_with_check: '☑️',
  x: '❌',
  warning: '⚠️',
  rocket: '🚀',
  tada: '🎉',
  hourglass_flowing_sand: '⏳',
  eyes: '👀',
  red_circle: '🔴',
  large_green_circle: '🟢',
};

function emoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (code, name: string) => EMOJI[name] ?? code);
}

/** `&amp;`, `&lt;`, `&gt;` → `&`, `<`, `>`, in one pass (so `&amp;lt;` stays `&lt;` as text). */
function unescapeSlack(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

/**
 * Bold, italic and strike on escaped text. Like Slack, a marker opens only at the start of a
 * word and closes only at its end, so `snake_case_name` and `2*3*4` stay as typed.
 */
function formatInline(html: string): string {
  let out = html;
  for (const [marker, tag] of [
    ['\\*', 'strong'],
    ['_', 'em'],
    ['~', 's'],
  ] as const) {
    const pattern = new RegExp(`(^|[^\\p{L}\\p{N}${marker}])${marker}(?=\\S)([^\\n]*?\\S)${marker}(?![\\p{L}\\p{N}${marker}])`, 'gu');
    out = out.replace(pattern, (_, before: string, inner: string) => `${before}<${tag}>${inner}</${tag}>`);
  }
  return out;
}

/** The inside of `<…>`: a link, a mention, a special mention or a date. */
function angleToken(token: string): string {
  const bar = token.indexOf('|');
  const target = bar === -1 ? token : token.slice(0, bar);
  const label = bar === -1 ? null : token.slice(bar + 1);
  const labelHtml = (fallback: string): string => formatInline(escapeHtml(unescapeSlack(label ?? fallback)));

  if (target.startsWith('@')) return `<span class="mention">@${labelHtml(target.slice(1)).replace(/^@/, '')}</span>`;
  if (target.startsWith('#')) return `<span class="mention">#${labelHtml(target.slice(1)).replace(/^#/, '')}</span>`;
  if (target.startsWith('!')) {
    const command = target.slice(1);
    if (command === 'here' || command === 'channel' || command === 'everyone') return `<span class="mention">@${command}</span>`;
    if (command.startsWith('subteam^')) return `<span class="mention">${labelHtml(command.slice('subteam^'.length))}</span>`;
    return labelHtml(command);
  }
  const url = unescapeSlack(target);
  return externalLink(url, labelHtml(url));
}
