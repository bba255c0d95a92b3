import { escapeHtml, externalLink, safeUrl } from './html.ts';
import { mrkdwnToHtml } from './mrkdwn-html.ts';

/** Where a message's interactive buttons report their click: the page's `clickButton` action. */
export interface MessageRef {
  readonly channelId: string;
  readonly ts: string;
}

/**
 * A Slack message's Block Kit blocks → HTML, as Slack shows them
 * (https://api.slack.com/reference/block-kit/blocks). Pure.
 *
 * `section` (mrkdwn or plain text, fields, a button accessory), `header`, `context`,
 * `divider` and `actions` are drawn. A button with a `url` becomes a link that opens in a new
 * tab; one without becomes a `<button data-action="click-button">` carrying the channel, the
 * message ts and its `action_id`, for the page's script to send. Other blocks and elements are
 * left out; a message without blocks shows its `text`.
 */
export function messageToHtml(message: { readonly text: string; readonly blocks: readonly unknown[] }, ref: MessageRef): string {
  const html = message.blocks.map((block) => blockHtml(block, ref)).join('');
  return html === '' ? `<div class="sk-section">${mrkdwnToHtml(message.text)}</div>` : html;
}

type Obj = Readonly<Record<string, unknown>>;

function obj(value: unknown): Obj | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A text object: mrkdwn rendered, plain_text escaped. */
function textHtml(value: unknown): string {
  const text = obj(value);
  if (!text) return '';
  return text.type === 'mrkdwn' ? mrkdwnToHtml(str(text.text)) : escapeHtml(str(text.text)).replace(/\n/g, '<br>');
}

function blockHtml(value: unknown, ref: MessageRef): string {
  const block = obj(value);
  if (!block) return '';
  switch (block.type) {
    case 'section': {
      const fields = list(block.fields).map((field) => `<div>${textHtml(field)}</div>`).join('');
      const accessory = elementHtml(block.accessory, ref);
      return (
        `<div class="sk-section">` +
        `<div class="sk-section-body">${textHtml(block.text)}${fields ? `<div class="sk-fields">${fields}</div>` : ''}</div>` +
        (accessory ? `<div class="sk-accessory">${accessory}</div>` : '') +
        `</div>`
      );
    }
    case 'header':
      return `<div class="sk-header">${textHtml(block.text)}</div>`;
    case 'context':
      return `<div class="sk-context">${list(block.elements)
        .map((element) => (obj(element)?.type === 'image' ? '' : `<span>${textHtml(element)}</span>`))
        .join('')}</div>`;
    case 'divider':
      return '<hr class="sk-divider">';
    case 'actions': {
      const elements = list(block.elements).map((element) => elementHtml(element, ref)).join('');
      return elements === '' ? '' : `<div class="sk-actions">${elements}</div>`;
    }
    default:
      return '';
  }
}

function elementHtml(value: unknown, ref: MessageRef): string {
  const element = obj(value);
  if (!element || element.type !== 'button') return '';
  const label = textHtml(element.text);
  const style = element.style === 'primary' || element.style === 'danger' ? ` sk-button-${element.style}` : '';
  const url = str(element.url);
  if (url !== '') {
    // A link button whose URL is not one the page may open is shown, but does nothing.
    return safeUrl(url) === null
      ? `<span class="sk-button${style}" aria-disabled="true">${label}</span>`
      : externalLink(url, label, `sk-button${style}`);
  }
  const actionId = str(element.action_id);
  return (
    `<button type="button" class="sk-button${style}" data-action="click-button"` +
    ` data-channel="${escapeHtml(ref.channelId)}" data-ts="${escapeHtml(ref.ts)}" data-action-id="${escapeHtml(actionId)}"` +
    `${plain(element.text).trim() === '' ? ` aria-label="${escapeHtml(actionId)}"` : ''}>${label}</button>`
  );
}

function plain(value: unknown): string {
  return str(obj(value)?.text);
}
