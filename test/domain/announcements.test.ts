import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, repositoryCreatedComment, repositoryCreatedSlack, requestInvalidComment } from '../../src/domain/announcements.ts';
import { exampleModelRequest, exampleRepository } from '../../workers/examples.ts';

const facts = { request: exampleModelRequest, repository: exampleRepository, issueUrl: 'https://acme.atlassian.net/browse/MLM-42' };

describe('repository created', () => {
  it('links the repository and its model.toml on the ticket and says what comes next', () => {
    const comment = repositoryCreatedComment({ ...facts, researchServerUrl: null });
    const text = JSON.stringify(comment);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Success] REPOSITORY' });
    expect(text).toContain('https://github.com/acme-ml/churn-predictor');
    expect(text).toContain('https://github.com/acme-ml/churn-predictor/blob/main/model.toml');
    expect(text).toContain('Ready for training');
    expect(text).not.toContain('Research server');
  });

  it('adds the research server when there is one', () => {
    const url = 'https://hub.acme.test/user/mia/research/';
    expect(JSON.stringify(repositoryCreatedComment({ ...facts, researchServerUrl: url }))).toContain(url);
    const slack = repositoryCreatedSlack({ ...facts, researchServerUrl: url });
    expect(JSON.stringify(slack.blocks)).toContain(url);
  });

  it('gives Slack a fallback text and buttons to the repository and the ticket', () => {
    const slack = repositoryCreatedSlack(facts);
    expect(slack.text).toBe('Repository created for churn-predictor (MLM-42): https://github.com/acme-ml/churn-predictor');
    const actions = slack.blocks.find((block) => block.type === 'actions') as { elements: Array<{ url: string; text: { text: string } }> };
    expect(actions.elements.map((button) => button.url)).toEqual(['https://github.com/acme-ml/churn-predictor', 'https://acme.atlassian.net/browse/MLM-42']);
    for (const button of actions.elements) expect(button.text.text.length).toBeLessThanOrEqual(75);
  });

  it('escapes what Slack would read as markup in names from the ticket', () => {
    const slack = repositoryCreatedSlack({ ...facts, request: { ...exampleModelRequest, developer: { displayName: 'Mia <script> & co' } } });
    expect(JSON.stringify(slack.blocks)).toContain('Mia &lt;script&gt; &amp; co');
    expect(escapeMrkdwn('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
});

describe('request invalid', () => {
  it('lists every problem as its own bullet', () => {
    const comment = requestInvalidComment(['The ticket has no team.', 'The summary has no letters.']);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] MODEL_REQUEST' });
    expect(comment.blocks.find((block) => block.type === 'bullets')).toEqual({ type: 'bullets', items: [['The ticket has no team.'], ['The summary has no letters.']] });
  });
});
