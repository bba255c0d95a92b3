import { readFileSync } from 'node:fs';
import { GitHubClient } from '../../src/clients/github.ts';
import { parsePolicy, type Policy } from '../../src/config/policy.ts';
import type { ReviewPullRequest } from '../../src/domain/review.ts';
import { GitHubStandIn, templatesFrom } from '../../standins/github.ts';
import { exampleAssignment, exampleModelRequest } from '../../workers/examples.ts';

/**
 * A model repository on the GitHub stand-in as the lifecycle leaves it: created from
 * acme-ml/ml-model-template, its initial commit, then model.toml.
 */
export function seedModelRepository(
  github: GitHubStandIn,
  input: { readonly fullName: string; readonly description: string; readonly modelToml: string; readonly modelTomlAuthor: string },
): { initialCommit: string; modelCommit: string } {
  const [owner = '', name = ''] = input.fullName.split('/');
  github.repos.set(input.fullName, {
    owner,
    name,
    description: input.description,
    private: true,
    fromTemplate: 'acme-ml/ml-model-template',
    files: new Map(),
    topics: ['ml-model'],
    teams: new Map(),
    protection: null,
    commits: [],
  });
  const initialCommit = github.push(input.fullName, 'README.md', '# Model template\n', 'Initial commit', { author: 'model-lifecycle-bot' });
  const modelCommit = github.push(input.fullName, 'model.toml', input.modelToml, 'Add model.toml', { author: input.modelTomlAuthor });
  return { initialCommit, modelCommit };
}

/** The model repository of {@link startReviewPullRequest}, as the lifecycle's `repository` variable holds it. */
export const reviewRepository = { fullName: 'acme-ml/churn-predictor', htmlUrl: 'https://github.com/acme-ml/churn-predictor', defaultBranch: 'main' };

/** What {@link startReviewPullRequest} leaves: the stand-in, a client of it, and the open review pull request. */
export interface ReviewPullRequestFixture {
  readonly github: GitHubStandIn;
  readonly client: GitHubClient;
  readonly fullName: string;
  readonly pullRequest: ReviewPullRequest;
}

/**
 * A GitHub stand-in with acme-ml/churn-predictor (MLM-42, model.toml by abe), a release branch
 * at its initial commit, and the review pull request main → release open with alice and carol
 * asked to review, opened through the real client. Stop it with `github.stop()`.
 */
export async function startReviewPullRequest(token: string): Promise<ReviewPullRequestFixture> {
  const fullName = reviewRepository.fullName;
  const github = new GitHubStandIn({ token, templates: templatesFrom('acme-ml/ml-model-template'), webhookRetryDelayMs: 5 });
  const client = new GitHubClient({ baseUrl: await github.start(), auth: { token }, retry: { retries: 0 } });
  const { initialCommit } = seedModelRepository(github, {
    fullName,
    description: 'Model churn-predictor for MLM-42',
    modelToml: exampleModelRequest.modelToml,
    modelTomlAuthor: 'abe',
  });
  await client.ensureBranch('acme-ml', 'churn-predictor', 'release', initialCommit);
  const pull = await client.findOrOpenPullRequest({ owner: 'acme-ml', repo: 'churn-predictor', head: 'main', base: 'release', title: 'Release churn-predictor', body: 'MLM-42' });
  await client.requestReviewers('acme-ml', 'churn-predictor', pull.number, ['alice', 'carol']);
  const pullRequest: ReviewPullRequest = { number: pull.number, url: pull.htmlUrl, headSha: pull.headSha, head: 'main', base: 'release', releaseBranchCreated: true, created: true };
  return { github, client, fullName, pullRequest };
}

/** The policy of the review step tests (test/fixtures/policy/review-timers.toml: short working-time periods). */
export function reviewTimersPolicy(): Policy {
  const parsed = parsePolicy(readFileSync('test/fixtures/policy/review-timers.toml', 'utf8'), 'review-timers.toml');
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.policy;
}

/**
 * The variables github:review:check reads: the review pull request of {@link startReviewPullRequest},
 * alice and carol asked (exampleAssignment), and the commit the build tested, its head unless given.
 */
export function checkReviewVariables(pullRequest: ReviewPullRequest, buildCommit: string = pullRequest.headSha): Record<string, unknown> {
  return { repository: reviewRepository, pullRequest, reviewAssignment: exampleAssignment, buildCommit };
}
