import type { Block, Cell, Document, Inline } from '../domain/document.ts';

/**
 * Renders the robot's comment {@link Document} for Jira: Atlassian Document Format for Cloud
 * (REST v3) and wiki markup for Data Center (REST v2). Pure functions.
 */

/** An ADF node, as far as these renderers produce them. */
export interface AdfNode {
  readonly type: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly content?: readonly AdfNode[];
  readonly text?: string;
  readonly marks?: ReadonlyArray<{ readonly type: string; readonly attrs?: Readonly<Record<string, unknown>> }>;
}

/** The root of an ADF document. */
export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

/** Headings in comments are rendered at this level: large enough to scan, small next to the issue's own title. */
export const commentHeadingLevel = 3;

/**
 * Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/).
 * Empty text is dropped (ADF rejects empty text nodes), and `code` is only combined with
 * `link`, the one mark ADF allows next to it.
 */
export function toAdf(document: Document): AdfDoc {
  return { type: 'doc', version: 1, content: document.blocks.map(adfBlock) };
}

function adfBlock(block: Block): AdfNode {
  switch (block.type) {
    case 'heading':
      return { type: 'heading', attrs: { level: commentHeadingLevel }, content: adfInlines([block.text]) };
    case 'paragraph':
      return { type: 'paragraph', content: adfInlines(block.content) };
    case 'bullets':
      return {
        type: 'bulletList',
        content: block.items.map((item) => ({ type: 'listItem', content: [{ type: 'paragraph', content: adfInlines(item) }] })),
      };
    case 'code':
      return {
        type: 'codeBlock',
        attrs: block.language ? { language: block.language } : {},
        content: block.text === '' ? [] : [{ type: 'text', text: block.text }],
      };
    case 'table':
      // ADF rejects a row without cells; a table without columns shows as nothing.
      if (tableRows(block)[0]?.length === 0) return { type: 'paragraph', content: [] };
      return {
        type: 'table',
        content: tableRows(block).map((row, index) => ({
          type: 'tableRow',
          content: row.map((cell) => ({
            type: index === 0 ? 'tableHeader' : 'tableCell',
            // A cell holds block content; an empty paragraph keeps an empty cell valid.
            content: [{ type: 'paragraph', content: adfInlines(cell) }],
          })),
        })),
      };
  }
}

/** The header row, then the body rows, all padded with empty cells to the widest row (ADF and wiki tables need square rows). */
function tableRows(block: Extract<Block, { type: 'table' }>): Cell[][] {
  const rows = [block.header, ...block.rows];
  const width = Math.max(...rows.map((row) => row.length));
  return rows.map((row) => [...row, ...Array.from({ length: width - row.length }, (): Cell => [])]);
}

function adfInlines(inlines: readonly Inline[]): AdfNode[] {
  const nodes: AdfNode[] = [];
  for (const inline of inlines) {
    const span = typeof inline === 'string' ? { text: inline } : inline;
    if (span.text === '') continue;
    const marks: Array<{ type: string; attrs?: Record<string, unknown> }> = [];
    if (span.code) marks.push({ type: 'code' });
    else if (span.bold) marks.push({ type: 'strong' });
    if (span.href) marks.push({ type: 'link', attrs: { href: span.href } });
    nodes.push(marks.length > 0 ? { type: 'text', text: span.text, marks } : { type: 'text', text: span.text });
  }
  return nodes;
}

/**
 * Jira wiki markup (https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa?section=all).
 * Every character the renderer treats as markup is escaped, so text from builds, test names
 * and error messages shows as typed.
 */
export function toWiki(document: Document): string {
  return document.blocks.map(wikiBlock).join('\n\n');
}

function wikiBlock(block: Block): string {
  switch (block.type) {
    case 'heading':
      return `h${commentHeadingLevel}. ${escapeWiki(oneLine(block.text))}`;
    case 'paragraph':
      return wikiInlines(block.content);
    case 'bullets':
      return block.items.map((item) => `* ${oneLine(wikiInlines(item))}`).join('\n');
    case 'code':
      return wikiCode(block.text, block.language);
    case 'table':
      if (tableRows(block)[0]?.length === 0) return '';
      return tableRows(block)
        .map((row, index) => {
          const separator = index === 0 ? '||' : '|';
          return `${separator}${row.map(wikiCell).join(separator)}${separator}`;
        })
        .join('\n');
  }
}

/** A wiki table cell is one line; an empty one holds a blank, since `||` would start a header cell. */
function wikiCell(cell: Cell): string {
  const text = oneLine(wikiInlines(cell)).trim();
  return text === '' ? ' ' : text;
}

function wikiInlines(inlines: readonly Inline[]): string {
  return inlines.map(wikiInline).join('');
}

function wikiInline(inline: Inline): string {
  if (typeof inline === 'string') return escapeWiki(inline);
  if (inline.text === '') return '';
  // Markup characters must touch the text they wrap: keep surrounding blanks outside them.
  const [, lead = '', core = '', trail = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(inline.text) ?? [];
  if (core === '') return inline.text;
  let text = escapeWiki(core);
  if (inline.code) text = `{{${text}}}`;
  else if (inline.bold) text = `*${text}*`;
  if (inline.href) text = `[${text}|${wikiUrl(inline.href)}]`;
  return `${lead}${text}${trail}`;
}

/**
 * Escapes wiki markup characters with a backslash. A backslash itself cannot be escaped that
 * way (`\\` is a forced line break), so it becomes the character reference `&#92;`.
 */
export function escapeWiki(text: string): string {
  return text.replace(/[\\*_?\-+^~|[\]{}!#]/g, (c) => (c === '\\' ? '&#92;' : `\\${c}`));
}

/** Characters that end a link's URL part in wiki markup are percent-encoded. */
function wikiUrl(href: string): string {
  return href.replace(/[|[\]\s]/g, (c) => encodeURIComponent(c));
}

/** Bullets and headings are one line each in wiki markup. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** `{code}` shows its body verbatim; a body that would close it early goes in `{noformat}` instead. */
function wikiCode(text: string, language: string | undefined): string {
  if (!text.includes('{code')) {
    const open = language && /^[\w+#.-]+$/.test(language) ? `{code:${language}}` : '{code}';
    return `${open}\n${text}\n{code}`;
  }
  return `{noformat}\n${text.replace(/\{noformat\}/g, '{ noformat}')}\n{noformat}`;
}
