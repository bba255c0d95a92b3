import { describe, expect, it } from 'vitest';
import { escapeWiki, toAdf, toWiki } from '../../src/clients/jira-render.ts';
import type { Document } from '../../src/domain/document.ts';

const trainResult: Document = {
  blocks: [
    { type: 'heading', text: '[Success] TRAIN_RESULT' },
    {
      type: 'paragraph',
      content: ['Model ', { text: 'ml-model-test-gpu', bold: true }, ' v1 trained on branch ', { text: 'master', code: true }, '.'],
    },
    {
      type: 'bullets',
      items: [
        ['recall: 0.93 (min 0.9)'],
        [{ text: 'Open run in MLflow', href: 'https://mlflow.acme.io/#/experiments/1/runs/abc' }],
      ],
    },
    { type: 'code', text: 'loss=0.12\nrecall=0.93', language: 'text' },
  ],
};

describe('toAdf', () => {
  it('renders headings, marks, links, lists and code blocks as ADF', () => {
    expect(toAdf(trainResult)).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: '[Success] TRAIN_RESULT' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Model ' },
            { type: 'text', text: 'ml-model-test-gpu', marks: [{ type: 'strong' }] },
            { type: 'text', text: ' v1 trained on branch ' },
            { type: 'text', text: 'master', marks: [{ type: 'code' }] },
            { type: 'text', text: '.' },
          ],
        },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'recall: 0.93 (min 0.9)' }] }] },
            {
              type: 'listItem',
              content: [
                {
                  type: 'paragraph',
                  content: [
                    {
                      type: 'text',
                      text: 'Open run in MLflow',
                      marks: [{ type: 'link', attrs: { href: 'https://mlflow.acme.io/#/experiments/1/runs/abc' } }],
                    },
                  ],
                },
              ],
            },
          ],
        },
        { type: 'codeBlock', attrs: { language: 'text' }, content: [{ type: 'text', text: 'loss=0.12\nrecall=0.93' }] },
      ],
    });
  });

  it('drops empty text and never combines code with strong', () => {
    const adf = toAdf({
      blocks: [
        { type: 'paragraph', content: ['', { text: 'x', bold: true, code: true, href: 'https://e.x' }] },
        { type: 'code', text: '' },
      ],
    });
    expect(adf.content).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'x', marks: [{ type: 'code' }, { type: 'link', attrs: { href: 'https://e.x' } }] }] },
      { type: 'codeBlock', attrs: {}, content: [] },
    ]);
  });
});

describe('toWiki', () => {
  it('renders the document as Jira wiki markup', () => {
    expect(toWiki(trainResult)).toBe(
      [
        'h3. \\[Success\\] TRAIN\\_RESULT',
        'Model *ml\\-model\\-test\\-gpu* v1 trained on branch {{master}}.',
        '* recall: 0.93 (min 0.9)\n* [Open run in MLflow|https://mlflow.acme.io/#/experiments/1/runs/abc]',
        '{code:text}\nloss=0.12\nrecall=0.93\n{code}',
      ].join('\n\n'),
    );
  });

  it('escapes every markup character so text shows as typed', () => {
    expect(escapeWiki('*bold* _it_ -del- +ins+ ^sup^ ~sub~ ??cite?? {{mono}} [link] !img! |cell| #1 {code}')).toBe(
      '\\*bold\\* \\_it\\_ \\-del\\- \\+ins\\+ \\^sup\\^ \\~sub\\~ \\?\\?cite\\?\\? \\{\\{mono\\}\\} \\[link\\] \\!img\\! \\|cell\\| \\#1 \\{code\\}',
    );
    expect(escapeWiki('C:\\models\\v1')).toBe('C:&#92;models&#92;v1');
  });

  it('keeps blanks outside bold markers and one line per bullet', () => {
    expect(toWiki({ blocks: [{ type: 'paragraph', content: ['a', { text: ' failed ', bold: true }, 'b'] }] })).toBe('a *failed* b');
    expect(toWiki({ blocks: [{ type: 'bullets', items: [['two\nlines']] }] })).toBe('* two lines');
  });

  it('encodes characters that would end a link early', () => {
    expect(toWiki({ blocks: [{ type: 'paragraph', content: [{ text: 'report', href: 'https://ci.acme.io/a|b [1]' }] }] })).toBe(
      '[report|https://ci.acme.io/a%7Cb%20%5B1%5D]',
    );
  });

  it('falls back to noformat when code would close its own block', () => {
    expect(toWiki({ blocks: [{ type: 'code', text: 'echo {code}' }] })).toBe('{noformat}\necho {code}\n{noformat}');
    expect(toWiki({ blocks: [{ type: 'code', text: 'ls', language: 'bad lang' }] })).toBe('{code}\nls\n{code}');
  });
});

describe('tables', () => {
  const metrics: Document = {
    blocks: [
      {
        type: 'table',
        header: [['metric'], ['value'], ['threshold']],
        rows: [
          [[{ text: 'recall', bold: true }], ['0.87'], ['≥ 0.9']],
          [['a|b'], [{ text: 'run', href: 'https://mlflow.acme.io/runs/1' }]],
        ],
      },
    ],
  };

  it('renders an ADF table: a header row of tableHeader cells, then tableCell rows, each cell a paragraph', () => {
    const cell = (type: string, ...content: object[]) => ({ type, content: [{ type: 'paragraph', content }] });
    expect(toAdf(metrics).content).toEqual([
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: [
              cell('tableHeader', { type: 'text', text: 'metric' }),
              cell('tableHeader', { type: 'text', text: 'value' }),
              cell('tableHeader', { type: 'text', text: 'threshold' }),
            ],
          },
          {
            type: 'tableRow',
            content: [
              cell('tableCell', { type: 'text', text: 'recall', marks: [{ type: 'strong' }] }),
              cell('tableCell', { type: 'text', text: '0.87' }),
              cell('tableCell', { type: 'text', text: '≥ 0.9' }),
            ],
          },
          {
            type: 'tableRow',
            content: [
              cell('tableCell', { type: 'text', text: 'a|b' }),
              cell('tableCell', { type: 'text', text: 'run', marks: [{ type: 'link', attrs: { href: 'https://mlflow.acme.io/runs/1' } }] }),
              cell('tableCell'), // padded: every row as wide as the header
            ],
          },
        ],
      },
    ]);
  });

  it('renders wiki table markup, escaping | in cells and keeping empty cells open', () => {
    expect(toWiki(metrics)).toBe(['||metric||value||threshold||', '|*recall*|0.87|≥ 0.9|', '|a\\|b|[run|https://mlflow.acme.io/runs/1]| |'].join('\n'));
    expect(toWiki({ blocks: [{ type: 'table', header: [['h']], rows: [[['two\nlines']], [[]]] }] })).toBe('||h||\n|two lines|\n| |');
  });

  it('renders a table without columns as nothing', () => {
    expect(toWiki({ blocks: [{ type: 'table', header: [], rows: [] }] })).toBe('');
    expect(toAdf({ blocks: [{ type: 'table', header: [], rows: [] }] }).content).toEqual([{ type: 'paragraph', content: [] }]);
  });
});
