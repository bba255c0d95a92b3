import { escapeHtml, externalLink } from './html.ts';

/**
 * Atlassian Document Format → HTML, as Jira shows a comment
 * (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/). Pure.
 *
 * Renders the nodes `src/clients/jira-render.ts` produces (paragraph, heading, text with the
 * marks strong, em, code, strike and link, bulletList, orderedList, listItem, codeBlock, table,
 * tableRow, tableHeader, tableCell) and a few more Jira writes (hardBreak, rule, blockquote,
 * panel, mention, emoji, inlineCard, status). Any other node shows as its text. A string body
 * (Data Center wiki markup) shows as plain text. All text is escaped, and only http, https and
 * mailto links become links.
 */
export function adfToHtml(body: unknown): string {
  if (typeof body === 'string') return body === '' ? '' : `<p class="adf-plain">${escapeHtml(body)}</p>`;
  if (!isNode(body)) return '';
  return body.type === 'doc' ? blocks(read(body).content, 0) : block(body, 0);
}

/** The plain text of an ADF node and everything under it. */
export function adfText(node: unknown, depth = 0): string {
  if (typeof node === 'string') return node;
  if (!isNode(node) || depth > MAX_DEPTH) return '';
  const { type, text, attrs, content } = read(node);
  if (type === 'text') return text;
  if (type === 'hardBreak') return '\n';
  const own = typeof attrs.text === 'string' ? attrs.text : '';
  return own + content.map((child) => adfText(child, depth + 1)).join('');
}

interface Node {
  readonly type: string;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly content: readonly unknown[];
  readonly text: string;
  readonly marks: readonly unknown[];
}

/** Deeper than this is not a comment anyone wrote; it stops a hostile body from exhausting the stack. */
const MAX_DEPTH = 64;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Reads a node with every optional part defaulted. */
function read(value: Node): Node {
  const raw = value as unknown as Record<string, unknown>;
  return {
    type: value.type,
    attrs: typeof raw.attrs === 'object' && raw.attrs !== null ? (raw.attrs as Record<string, unknown>) : {},
    content: Array.isArray(raw.content) ? raw.content : [],
    text: typeof raw.text === 'string' ? raw.text : '',
    marks: Array.isArray(raw.marks) ? raw.marks : [],
  };
}

function blocks(content: readonly unknown[], depth: number): string {
  return content.map((child) => (isNode(child) ? block(child, depth + 1) : '')).join('');
}

function inlines(content: readonly unknown[], depth: number): string {
  return content.map((child) => (isNode(child) ? inline(child, depth + 1) : '')).join('');
}

function block(value: Node, depth: number): string {
  if (depth > MAX_DEPTH) return '';
  const node = read(value);
  switch (node.type) {
    case 'paragraph':
      return `<p>${inlines(node.content, depth)}</p>`;
    case 'heading': {
      const level = Math.min(6, Math.max(1, Math.trunc(Number(node.attrs.level) || 1)));
      return `<h${level}>${inlines(node.content, depth)}</h${level}>`;
    }
    case 'bulletList':
      return `<ul>${blocks(node.content, depth)}</ul>`;
    case 'orderedList':
      return `<ol>${blocks(node.content, depth)}</ol>`;
    case 'listItem':
      return `<li>${blocks(node.content, depth)}</li>`;
    case 'codeBlock': {
      const language = typeof node.attrs.language === 'string' && /^[\w+-]{1,30}$/.test(node.attrs.language) ? ` class="language-${node.attrs.language}"` : '';
      return `<pre><code${language}>${escapeHtml(adfText(value))}</code></pre>`;
    }
    case 'table':
      return `<div class="adf-table"><table><tbody>${blocks(node.content, depth)}</tbody></table></div>`;
    case 'tableRow':
      return `<tr>${blocks(node.content, depth)}</tr>`;
    case 'tableHeader':
    case 'tableCell': {
      const tag = node.type === 'tableHeader' ? 'th' : 'td';
      return `<${tag}${span('colspan', node.attrs.colspan)}${span('rowspan', node.attrs.rowspan)}>${blocks(node.content, depth)}</${tag}>`;
    }
    case 'blockquote':
      return `<blockquote>${blocks(node.content, depth)}</blockquote>`;
    case 'panel': {
      const kind = typeof node.attrs.panelType === 'string' && /^[a-z]{1,20}$/.test(node.attrs.panelType) ? node.attrs.panelType : 'info';
      return `<div class="adf-panel adf-panel-${kind}">${blocks(node.content, depth)}</div>`;
    }
    case 'rule':
      return '<hr>';
    case 'doc':
      return blocks(node.content, depth);
    default: {
      // An inline node where a block belongs still reads naturally inside a paragraph.
      const html = INLINE_TYPES.has(node.type) ? inline(value, depth) : escapeHtml(adfText(value));
      return html === '' ? '' : `<p>${html}</p>`;
    }
  }
}

const INLINE_TYPES = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard', 'status', 'date']);

function inline(value: Node, depth: number): string {
  if (depth > MAX_DEPTH) return '';
  const node = read(value);
  switch (node.type) {
    case 'text':
      return marked(escapeHtml(node.text), node.marks);
    case 'hardBreak':
      return '<br>';
    case 'mention': {
      const name = typeof node.attrs.text === 'string' ? node.attrs.text : '@someone';
      return `<span class="mention">${escapeHtml(name.startsWith('@') ? name : `@${name}`)}</span>`;
    }
    case 'emoji': {
      const text = typeof node.attrs.text === 'string' ? node.attrs.text : typeof node.attrs.shortName === 'string' ? node.attrs.shortName : '';
      return escapeHtml(text);
    }
    case 'inlineCard': {
      const url = typeof node.attrs.url === 'string' ? node.attrs.url : '';
      return url === '' ? '' : externalLink(url, escapeHtml(url));
    }
    case 'status': {
      const text = typeof node.attrs.text === 'string' ? node.attrs.text : '';
      return `<span class="lozenge">${escapeHtml(text)}</span>`;
    }
    default:
      return escapeHtml(adfText(value));
  }
}

/** Wraps escaped text in its marks; a link goes outermost, as Jira draws it. */
function marked(html: string, marks: readonly unknown[]): string {
  let out = html;
  let href: string | null = null;
  for (const mark of marks) {
    if (!isNode(mark)) continue;
    const { type, attrs } = read(mark);
    if (type === 'strong') out = `<strong>${out}</strong>`;
    else if (type === 'em') out = `<em>${out}</em>`;
    else if (type === 'code') out = `<code>${out}</code>`;
    else if (type === 'strike') out = `<s>${out}</s>`;
    else if (type === 'underline') out = `<u>${out}</u>`;
    else if (type === 'link' && typeof attrs.href === 'string') href = attrs.href;
  }
  return href === null ? out : externalLink(href, out);
}

function span(name: string, value: unknown): string {
  const n = Math.trunc(Number(value));
  return Number.isFinite(n) && n > 1 && n <= 100 ? ` ${name}="${n}"` : '';
}
