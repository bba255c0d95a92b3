import { describe, expect, it } from 'vitest';
import { toAdf, toWiki, type AdfNode } from '../../src/clients/jira-render.ts';
import type { Block, Document, Inline } from '../../src/domain/document.ts';
import { checkMetricGate } from '../../src/domain/metric-gate.ts';
import { modelConfigInvalidComment, trainingAttemptsExhaustedComment, trainResultComment, trainResultSlack } from '../../src/domain/training-report.ts';
import type { TrainingOutcome } from '../../src/domain/training.ts';
import { failedTraining, successfulTraining } from './training-example.ts';

const links = { issueUrl: 'https://acme.atlassian.net/browse/MLM-42' };
const build = successfulTraining.build;

/** The text a person reads, one line per block (table rows as "a | b | c"). */
function plain(document: Document): string {
  const inline = (content: readonly Inline[]) => content.map((part) => (typeof part === 'string' ? part : part.text)).join('');
  const block = (b: Block): string => {
    switch (b.type) {
      case 'heading':
      case 'code':
        return b.text;
      case 'paragraph':
        return inline(b.content);
      case 'bullets':
        return b.items.map((item) => `- ${inline(item)}`).join('\n');
      case 'table':
        return [b.header, ...b.rows].map((row) => row.map(inline).join(' | ')).join('\n');
    }
  };
  return document.blocks.map(block).join('\n');
}

function table(document: Document): Extract<Block, { type: 'table' }> | undefined {
  return document.blocks.find((b): b is Extract<Block, { type: 'table' }> => b.type === 'table');
}

function hrefs(document: Document): string[] {
  return document.blocks.flatMap((b) => {
    const inlines = b.type === 'paragraph' ? [b.content] : b.type === 'bullets' ? b.items : b.type === 'table' ? [...b.header, ...b.rows.flat()] : [];
    return inlines.flat().flatMap((part) => (typeof part !== 'string' && part.href ? [part.href] : []));
  });
}

const gateFailed = failedTraining('metric_gate', {
  run: { ...(successfulTraining.run as NonNullable<TrainingOutcome['run']>), metrics: { recall: 0.87, mae: 3.2, f1: 0.9 } },
  gate: checkMetricGate({ recall: { min: 0.9 }, mae: { max: 3.5 }, auc: { min: 0.8, max: 0.95 } }, { recall: 0.87, mae: 3.2, f1: 0.9 }),
});

describe('trainResultComment: success', () => {
  const comment = trainResultComment(successfulTraining, links);
  const text = plain(comment);

  it('says in the seed words what was trained, from where, and what comes next', () => {
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Success] TRAIN_RESULT' });
    expect(text).toContain('Model churn-predictor v3 trained on branch main at commit 3f2a9c1, attempt 1 of 5.');
    expect(text).toContain('- Registered as churn-predictor v3, alias candidate');
    expect(text).toContain('- MLflow run: a1b2c3d4e5f6');
    expect(text).toContain('- Jenkins build: ml/churn-predictor/train #17');
    expect(text).toContain('- Console log: Console Output');
    expect(comment.blocks.at(-1)).toEqual({ type: 'paragraph', content: [{ text: 'Next:', bold: true }, ' build and test of the inference service.'] });
  });

  it('links the commit on GitHub, the run, the registered version, the build and its console', () => {
    expect(hrefs(comment)).toEqual([
      'https://github.com/acme-ml/churn-predictor/commit/3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b',
      'https://mlflow.acme.test/#/experiments/7/runs/a1b2c3d4e5f6',
      'https://mlflow.acme.test/#/models/churn-predictor/versions/3',
      'https://jenkins.acme.test/job/ml/job/churn-predictor/job/train/17/',
      'https://jenkins.acme.test/job/ml/job/churn-predictor/job/train/17/console',
    ]);
  });

  it('tables the metrics: thresholded first with threshold and margin, then the others', () => {
    expect(plain({ blocks: [table(comment) as Block] }).split('\n')).toEqual([
      'metric | value | threshold | margin',
      'recall | 0.97 | ≥ 0.9 | +0.07',
      'precision | 0.96 | — | —',
      'f1 | 0.96 | — | —',
    ]);
  });

  it('adds a champion column only when there is a champion', () => {
    const champion = { version: '2', metrics: { recall: 0.95, f1: 0.94 } };
    const withChampion = { ...successfulTraining, champion, gate: checkMetricGate({ recall: { min: 0.9 } }, successfulTraining.run?.metrics ?? {}, champion.metrics) };
    expect(plain({ blocks: [table(trainResultComment(withChampion, links)) as Block] }).split('\n')).toEqual([
      'metric | value | threshold | margin | champion v2',
      'recall | 0.97 | ≥ 0.9 | +0.07 | 0.95',
      'precision | 0.96 | — | — | —',
      'f1 | 0.96 | — | — | 0.94',
    ]);
    expect(table(comment)?.header).toHaveLength(4);
  });

  it('renders for Jira Cloud as ADF with a real table', () => {
    const adf = toAdf(comment);
    expect(adf.content.map((node) => node.type)).toEqual(['heading', 'paragraph', 'table', 'bulletList', 'paragraph']);
    const adfTable = adf.content[2] as AdfNode;
    const rows = adfTable.content ?? [];
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => row.content?.map((cell) => cell.type))).toEqual([
      ['tableHeader', 'tableHeader', 'tableHeader', 'tableHeader'],
      ['tableCell', 'tableCell', 'tableCell', 'tableCell'],
      ['tableCell', 'tableCell', 'tableCell', 'tableCell'],
      ['tableCell', 'tableCell', 'tableCell', 'tableCell'],
    ]);
    const cellText = (row: number, cell: number) => rows[row]?.content?.[cell]?.content?.[0]?.content?.map((node) => node.text).join('');
    expect([cellText(1, 0), cellText(1, 1), cellText(1, 2), cellText(1, 3)]).toEqual(['recall', '0.97', '≥ 0.9', '+0.07']);
    const commit = (adf.content[1]?.content ?? []).find((node) => node.text === '3f2a9c1');
    expect(commit?.marks).toEqual([{ type: 'code' }, { type: 'link', attrs: { href: 'https://github.com/acme-ml/churn-predictor/commit/3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b' } }]);
  });

  it('renders for Jira Data Center as wiki markup with a table', () => {
    const wiki = toWiki(comment).split('\n');
    expect(wiki[0]).toBe('h3. \\[Success\\] TRAIN\\_RESULT');
    expect(wiki).toContain('||metric||value||threshold||margin||');
    expect(wiki).toContain('|recall|0.97|≥ 0.9|\\+0.07|');
    expect(wiki).toContain('|precision|0.96|—|—|');
    expect(wiki).toContain('* Registered as [churn\\-predictor v3|https://mlflow.acme.test/#/models/churn-predictor/versions/3], alias candidate');
    expect(toWiki(comment)).not.toMatch(/[{[]"/); // values and links, never raw JSON
  });
});

describe('trainResultComment: failure', () => {
  it('names a failed build stage and shows the last console lines', () => {
    const tail = Array.from({ length: 60 }, (_, i) => `line ${i + 1}`);
    tail[59] = '\u001b[31mERROR: CUDA out of memory\u001b[0m';
    const comment = trainResultComment(failedTraining('build_failed', { run: null, gate: null, build: { ...build, result: 'FAILURE', failedStage: 'Train', consoleTail: tail } }), links);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] TRAIN_RESULT' });
    expect(plain(comment)).toContain('The training build failed in stage Train.');
    const code = comment.blocks.find((b) => b.type === 'code');
    expect(code?.type === 'code' && code.text.split('\n')).toHaveLength(50);
    expect(code?.type === 'code' && code.text).toMatch(/^line 11\n[\s\S]*\nERROR: CUDA out of memory$/);
    expect(table(comment)).toBeUndefined();
  });

  it('says a build was aborted, cancelled or timed out', () => {
    expect(plain(trainResultComment(failedTraining('build_aborted', { build: { ...build, result: 'ABORTED' } }), links))).toContain('The training build was aborted.');
    expect(plain(trainResultComment(failedTraining('build_timeout', { build: { ...build, result: 'TIMED_OUT' } }), links))).toContain(
      'The training build ran longer than 2 h and was aborted.',
    );
  });

  it('says a build left no MLflow run, naming the build key', () => {
    const comment = trainResultComment(failedTraining('no_mlflow_run', { run: null, gate: null }), links);
    expect(plain(comment)).toContain('The training build finished but left no MLflow run tagged with build key MLM-42-training-1.');
    expect(hrefs(comment)).not.toContain('https://mlflow.acme.test/#/experiments/7/runs/a1b2c3d4e5f6');
  });

  it('lists each metric that missed its threshold with the shortfall, then the full table', () => {
    const comment = trainResultComment(gateFailed, links);
    const text = plain(comment);
    expect(text).toContain('- recall 0.87 is below the minimum 0.9 by 0.03.');
    expect(text).toContain('- auc was not logged to the MLflow run (threshold 0.8 – 0.95).');
    expect(text).not.toContain('- mae');
    expect(plain({ blocks: [table(comment) as Block] }).split('\n')).toEqual([
      'metric | value | threshold | margin',
      'recall | 0.87 | ≥ 0.9 | -0.03',
      'mae | 3.2 | ≤ 3.5 | +0.3',
      'auc | not logged | 0.8 – 0.95 | —',
      'f1 | 0.9 | — | —',
    ]);
    const failedNames = table(comment)?.rows.map((row) => row[0]?.[0]);
    expect(failedNames).toEqual([{ text: 'recall', bold: true }, 'mae', { text: 'auc', bold: true }, 'f1']);
    expect(text).not.toContain('Registered');
  });

  it('sends the ticket back for another attempt, or says none are left', () => {
    expect(plain(trainResultComment(gateFailed, links))).toContain('The ticket is back in Research. Move it to Ready for training to start attempt 2 of 5.');
    const last = plain(trainResultComment({ ...gateFailed, attempt: 5 }, links));
    expect(last).toContain('No attempts are left: this was attempt 5 of 5. Once an operator raises training.max_attempts in the policy, move the ticket to Ready for training to train again.');
    expect(last).not.toContain('Move it to Ready for training');
  });
});

describe('trainResultSlack', () => {
  type Actions = { elements: Array<{ url: string; text: { text: string } }> };
  const actions = (message: ReturnType<typeof trainResultSlack>) => message.blocks.find((b) => b.type === 'actions') as unknown as Actions;
  const section = (message: ReturnType<typeof trainResultSlack>) => (message.blocks[0] as { text: { text: string } }).text.text;

  it('says "Train succeeded!" in the seed words, with buttons to Jenkins, MLflow and Jira', () => {
    const message = trainResultSlack(successfulTraining, links);
    expect(message.text).toBe('Train succeeded! Model: churn-predictor v3, Branch: main, Train metrics: recall 0.97 (≥ 0.9), precision 0.96, f1 0.96');
    expect(section(message)).toContain('*Train succeeded!* <https://acme.atlassian.net/browse/MLM-42|MLM-42>');
    expect(section(message)).toContain('*Registered:* churn-predictor v3, alias candidate');
    expect(actions(message).elements.map((b) => [b.text.text, b.url])).toEqual([
      ['Open job in Jenkins', 'https://jenkins.acme.test/job/ml/job/churn-predictor/job/train/17/'],
      ['Open run in MLflow', 'https://mlflow.acme.test/#/experiments/7/runs/a1b2c3d4e5f6'],
      ['Task in Jira', 'https://acme.atlassian.net/browse/MLM-42'],
    ]);
  });

  it('says "Train failed" with the reason, addressed to the developer', () => {
    const message = trainResultSlack(gateFailed, links);
    expect(message.text).toMatch(/^Train failed: The metrics missed their thresholds: recall 0\.87 is below the minimum 0\.9 by 0\.03; auc was not logged/);
    expect(section(message)).toContain('Mia Krystof, the training of *churn-predictor v3* failed.');
    expect(section(message)).toContain('*Next:* Move the ticket to Ready for training to start attempt 2 of 5.');
    expect(section(trainResultSlack({ ...gateFailed, attempt: 5 }, links))).toContain('No attempts are left (5 of 5)');
  });

  it('offers only the buttons whose links exist, and escapes names', () => {
    const cancelled = failedTraining('build_aborted', {
      run: null,
      gate: null,
      developer: { displayName: 'Mia <Ops> & co' },
      build: { ...build, result: 'CANCELLED', number: null, url: null, consoleUrl: null, startedAt: null },
    });
    const message = trainResultSlack(cancelled, links);
    expect(actions(message).elements.map((b) => b.text.text)).toEqual(['Task in Jira']);
    expect(section(message)).toContain('Mia &lt;Ops&gt; &amp; co, the training');
  });
});

describe('modelConfigInvalidComment', () => {
  it('lists every error and links the file at the commit that was read', () => {
    const commit = '3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b';
    const comment = modelConfigInvalidComment({
      errors: ['train_metrics.recall.min: expected a number — write a threshold such as 0.9', 'runtime.python_version: quote it'],
      repository: { fullName: 'acme-ml/churn-predictor', htmlUrl: 'https://github.com/acme-ml/churn-predictor' },
      commit,
      branch: 'main',
    });
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] MODEL_CONFIG' });
    const text = plain(comment);
    expect(text).toContain('model.toml at 3f2a9c1 on branch main is invalid:');
    expect(text).toContain('- train_metrics.recall.min: expected a number — write a threshold such as 0.9\n- runtime.python_version: quote it');
    expect(text).toContain('Fix it, commit, and move the ticket to Ready for training again.');
    expect(hrefs(comment)).toContain(`https://github.com/acme-ml/churn-predictor/blob/${commit}/model.toml`);
  });
});

describe('trainingAttemptsExhaustedComment', () => {
  it('says training did not start and how to train again', () => {
    const comment = trainingAttemptsExhaustedComment({ reason: 'The lifecycle used its 5 training attempts.' });
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] TRAIN_RESULT' });
    const text = plain(comment);
    expect(text).toContain('Training did not start. The lifecycle used its 5 training attempts.');
    expect(text).toContain('Once training.max_attempts is raised in the policy, move the ticket to Ready for training to train again.');
  });
});
