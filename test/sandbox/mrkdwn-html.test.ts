import { describe, expect, it } from 'vitest';
import { mrkdwnToHtml } from '../../sandbox/mrkdwn-html.ts';

describe('mrkdwnToHtml', () => {
  it('renders bold, italic, strike and code as Slack does', () => {
    expect(mrkdwnToHtml('*Train succeeded!* model _v3_ ~old~ `recall`')).toBe(
      '<strong>Train succeeded!</strong> model <em>v3</em> <s>old</s> <code>recall</code>',
    );
  });

  it('leaves markers inside words as typed', () => {
    expect(mrkdwnToHtml('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
  });

  it('renders <url|text> and <url> links that open in a new tab', () => {
    expect(mrkdwnToHtml('for <https://jira.example/browse/MLM-1|MLM-1> at <https://x.example/a?b=1&amp;c=2>')).toBe(
      'for <a href="https://jira.example/browse/MLM-1" target="_blank" rel="noopener noreferrer">MLM-1</a> at ' +
        '<a href="https://x.example/a?b=1&#38;c=2" target="_blank" rel="noopener noreferrer">https://x.example/a?b=1&#38;c=2</a>',
    );
  });

  it('renders bold around a link, as the robot writes its messages', () => {
    expect(mrkdwnToHtml('*See <https://a.example/|the run>*')).toBe(
      '<strong>See <a href="https://a.example/" target="_blank" rel="noopener noreferrer">the run</a></strong>',
    );
  });

  it('shows Slack’s three escapes as the characters and escapes them again for HTML', () => {
    expect(mrkdwnToHtml('a &lt;b&gt; &amp; c &amp;lt;')).toBe('a &#60;b&#62; &#38; c &#38;lt;');
  });

  it('never lets markup through: raw tags, quotes and script stay text', () => {
    const html = mrkdwnToHtml('<img src=x onerror=alert(1)> "quoted" \'single\' <script>alert(1)</script>');
    expect(html).not.toMatch(/<(img|script)/i);
    expect(html).toContain('img src=x onerror=alert(1)');
    expect(html).toContain('&#34;quoted&#34; &#39;single&#39;');
  });

  it('does not link javascript: or data: URLs', () => {
    expect(mrkdwnToHtml('<javascript:alert(1)|click>')).toBe('click');
    expect(mrkdwnToHtml('<data:text/html,hi>')).toBe('data:text/html,hi');
  });

  it('escapes the link text and the URL attribute', () => {
    const html = mrkdwnToHtml('<https://a.example/"onmouseover="x|<b>&lt;b&gt;>');
    expect(html).not.toContain('"onmouseover');
    expect(html).not.toContain('<b>');
  });

  it('renders mentions, special mentions and dates by their fallback', () => {
    expect(mrkdwnToHtml('<@U123> <@U124|ada> <#C1|ml-fraud> <!here> <!date^1712345678^{date}|Apr 5>')).toBe(
      '<span class="mention">@U123</span> <span class="mention">@ada</span> <span class="mention">#ml-fraud</span> <span class="mention">@here</span> Apr 5',
    );
  });

  it('renders line breaks and preformatted blocks, escaped, without formatting inside', () => {
    expect(mrkdwnToHtml('line one\nline two\n```\n*not bold* <x>\n```')).toBe(
      'line one<br>line two<br><pre class="mrkdwn-pre">*not bold* &#60;x&#62;\n</pre>',
    );
  });

  it('shows the emoji codes it knows, and the others as typed', () => {
    expect(mrkdwnToHtml(':white_check_mark: done :not_an_emoji: 10:30:00')).toBe('✅ done :not_an_emoji: 10:30:00');
  });

  it('ignores the private-use characters it uses as placeholders', () => {
    expect(mrkdwnToHtml('a\uE0000\uE001b')).toBe('a0b');
  });
});
