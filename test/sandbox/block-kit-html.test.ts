import { describe, expect, it } from 'vitest';
import { messageToHtml } from '../../sandbox/block-kit-html.ts';
import { trainResultSlack } from '../../src/domain/training-report.ts';
import { successfulTraining } from '../domain/training-example.ts';

const ref = { channelId: 'C1', ts: '1712345678.000100' };

describe('messageToHtml', () => {
  it('renders a section and an actions block: link buttons open a new tab, interactive ones carry their click', () => {
    const html = messageToHtml(
      {
        text: 'fallback',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: '*Canary* is up &lt;3 min&gt;' } },
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: 'Open in Grafana' }, url: 'https://grafana.example/d/1', action_id: 'open' },
              { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: 'approve_canary', value: 'x' },
              { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', action_id: 'reject_canary' },
            ],
          },
        ],
      },
      ref,
    );
    expect(html).toContain('<strong>Canary</strong> is up &#60;3 min&#62;');
    expect(html).toContain('<a class="sk-button" href="https://grafana.example/d/1" target="_blank" rel="noopener noreferrer">Open in Grafana</a>');
    expect(html).toContain(
      '<button type="button" class="sk-button sk-button-primary" data-action="click-button" data-channel="C1" data-ts="1712345678.000100" data-action-id="approve_canary">Approve</button>',
    );
    expect(html).toContain('class="sk-button sk-button-danger"');
    expect(html).not.toContain('fallback');
  });

  it('renders the robot’s real training message', () => {
    const message = trainResultSlack(successfulTraining, { issueUrl: 'https://acme.atlassian.net/browse/MLM-42' });
    const html = messageToHtml({ text: message.text, blocks: message.blocks }, ref);
    expect(html).toContain('<strong>Train succeeded!</strong> <a href="https://acme.atlassian.net/browse/MLM-42" target="_blank" rel="noopener noreferrer">MLM-42</a>');
    expect(html).toContain('<strong>Model:</strong>');
    expect(html).toMatch(/<a class="sk-button" href="[^"]+" target="_blank" rel="noopener noreferrer">Open job in Jenkins<\/a>/);
    expect(html).not.toMatch(/&amp;(lt|gt|amp);/);
  });

  it('renders header, fields, context, divider and a button accessory; skips unknown blocks', () => {
    const html = messageToHtml(
      {
        text: '',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Review <now>' } },
          { type: 'section', fields: [{ type: 'mrkdwn', text: '*Developer:*\nada' }], accessory: { type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go' } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: '_later_' }, { type: 'image', image_url: 'https://x/y.png', alt_text: 'y' }] },
          { type: 'divider' },
          { type: 'video', title: 'x' },
        ],
      },
      ref,
    );
    expect(html).toContain('<div class="sk-header">Review &#60;now&#62;</div>');
    expect(html).toContain('<div class="sk-fields"><div><strong>Developer:</strong><br>ada</div></div>');
    expect(html).toContain('data-action-id="go">Go</button>');
    expect(html).toContain('<span><em>later</em></span>');
    expect(html).toContain('<hr class="sk-divider">');
    expect(html).not.toContain('video');
  });

  it('shows the text when there are no blocks', () => {
    expect(messageToHtml({ text: 'hello *you*', blocks: [] }, ref)).toBe('<div class="sk-section">hello <strong>you</strong></div>');
  });

  it('escapes button labels, ids and refuses unsafe button URLs', () => {
    const html = messageToHtml(
      {
        text: '',
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: '<img src=x>' }, action_id: '"><script>' },
              { type: 'button', text: { type: 'plain_text', text: 'Evil' }, url: 'javascript:alert(1)' },
            ],
          },
        ],
      },
      { channelId: 'C"1', ts: '1' },
    );
    expect(html).not.toMatch(/<(img|script)/i);
    expect(html).toContain('data-channel="C&#34;1"');
    expect(html).toContain('data-action-id="&#34;&#62;&#60;script&#62;"');
    expect(html).toContain('<span class="sk-button" aria-disabled="true">Evil</span>');
  });
});
