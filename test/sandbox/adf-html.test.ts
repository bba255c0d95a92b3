import { describe, expect, it } from 'vitest';
import { adfText, adfToHtml } from '../../sandbox/adf-html.ts';
import { toAdf } from '../../src/clients/jira-render.ts';

const doc = (...content: unknown[]): unknown => ({ type: 'doc', version: 1, content });
const text = (value: string, ...marks: unknown[]): unknown => (marks.length > 0 ? { type: 'text', text: value, marks } : { type: 'text', text: value });

describe('adfToHtml', () => {
  it('renders headings, paragraphs and the text marks', () => {
    const html = adfToHtml(
      doc(
        { type: 'heading', attrs: { level: 3 }, content: [text('[Success] TRAIN_RESULT')] },
        {
          type: 'paragraph',
          content: [text('Model '), text('churn', { type: 'strong' }), text(' at '), text('abc1234', { type: 'code' }, { type: 'link', attrs: { href: 'https://git.example/c/abc' } })],
        },
      ),
    );
    expect(html).toBe(
      '<h3>[Success] TRAIN_RESULT</h3><p>Model <strong>churn</strong> at ' +
        '<a href="https://git.example/c/abc" target="_blank" rel="noopener noreferrer"><code>abc1234</code></a></p>',
    );
  });

  it('renders bullet lists, code blocks and tables', () => {
    const html = adfToHtml(
      doc(
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [text('one')] }] }] },
        { type: 'codeBlock', attrs: { language: 'text' }, content: [text('line <1>\nline 2')] },
        {
          type: 'table',
          content: [
            { type: 'tableRow', content: [{ type: 'tableHeader', content: [{ type: 'paragraph', content: [text('Metric')] }] }] },
            { type: 'tableRow', content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: [text('recall')] }] }] },
          ],
        },
      ),
    );
    expect(html).toBe(
      '<ul><li><p>one</p></li></ul>' +
        '<pre><code class="language-text">line &#60;1&#62;\nline 2</code></pre>' +
        '<div class="adf-table"><table><tbody><tr><th><p>Metric</p></th></tr><tr><td><p>recall</p></td></tr></tbody></table></div>',
    );
  });

  it('renders every block the Jira client produces', () => {
    const adf = toAdf({
      blocks: [
        { type: 'heading', text: '[Failed] BUILD_RESULT' },
        { type: 'paragraph', content: ['See ', { text: 'the build', href: 'https://ci.example/job/1' }, ' and ', { text: 'x', bold: true }] },
        { type: 'bullets', items: [['a'], ['b']] },
        { type: 'code', text: 'Error: boom', language: 'text' },
        { type: 'table', header: [['Check'], ['Result']], rows: [[['mypy'], [{ text: '1 error', bold: true }]]] },
      ],
    });
    const html = adfToHtml(adf);
    expect(html).toContain('<h3>[Failed] BUILD_RESULT</h3>');
    expect(html).toContain('<a href="https://ci.example/job/1" target="_blank" rel="noopener noreferrer">the build</a>');
    expect(html).toContain('<ul><li><p>a</p></li><li><p>b</p></li></ul>');
    expect(html).toContain('<pre><code class="language-text">Error: boom</code></pre>');
    expect(html).toContain('<th><p>Check</p></th><th><p>Result</p></th>');
    expect(html).toContain('<td><p><strong>1 error</strong></p></td>');
  });

  it('escapes every text and attribute', () => {
    const html = adfToHtml(
      doc(
        { type: 'paragraph', content: [text('<script>alert("x")</script> & \'q\'')] },
        { type: 'codeBlock', attrs: { language: '"><script>' }, content: [text('</code><img src=x>')] },
        { type: 'heading', attrs: { level: '1 onclick=x' }, content: [text('h')] },
      ),
    );
    expect(html).not.toMatch(/<(script|img)/i);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;');
    expect(html).toContain('<pre><code>&#60;/code&#62;&#60;img src=x&#62;</code></pre>');
    expect(html).toContain('<h1>h</h1>');
  });

  it('links only http, https and mailto URLs', () => {
    const html = adfToHtml(doc({ type: 'paragraph', content: [text('click', { type: 'link', attrs: { href: 'javascript:alert(1)' } })] }));
    expect(html).toBe('<p>click</p>');
  });

  it('renders an unknown node as its text', () => {
    const html = adfToHtml(
      doc(
        { type: 'expand', attrs: { title: 'More' }, content: [{ type: 'paragraph', content: [text('hidden <b>')] }] },
        { type: 'paragraph', content: [text('a '), { type: 'sparkle', content: [text('inline')] }] },
      ),
    );
    expect(html).toBe('<p>hidden &#60;b&#62;</p><p>a inline</p>');
  });

  it('renders hard breaks, mentions, emoji and status lozenges', () => {
    const html = adfToHtml(
      doc({
        type: 'paragraph',
        content: [text('a'), { type: 'hardBreak' }, { type: 'mention', attrs: { id: '1', text: '@Ada' } }, { type: 'emoji', attrs: { shortName: ':ok:', text: '👌' } }, { type: 'status', attrs: { text: 'DONE' } }],
      }),
    );
    expect(html).toBe('<p>a<br><span class="mention">@Ada</span>👌<span class="lozenge">DONE</span></p>');
  });

  it('shows a string body (Data Center wiki markup) as escaped plain text, and nothing for junk', () => {
    expect(adfToHtml('h3. Title\n<b>')).toBe('<p class="adf-plain">h3. Title\n&#60;b&#62;</p>');
    expect(adfToHtml(null)).toBe('');
    expect(adfToHtml(42)).toBe('');
    expect(adfToHtml({ type: 'doc', content: 'nope' })).toBe('');
  });

  it('stops at an absurd depth instead of exhausting the stack', () => {
    let node: unknown = text('deep');
    for (let i = 0; i < 10_000; i += 1) node = { type: 'blockquote', content: [node] };
    expect(() => adfToHtml(doc(node))).not.toThrow();
  });
});

describe('adfText', () => {
  it('is the text of a node and everything under it', () => {
    expect(adfText(doc({ type: 'paragraph', content: [text('a'), { type: 'hardBreak' }, text('b')] }))).toBe('a\nb');
  });
});
