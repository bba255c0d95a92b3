import { describe, expect, it } from 'vitest';
import { ownerRuleOf, ownersOf, parseCodeowners, patternMatches } from '../../src/domain/codeowners.ts';

// GitHub's documented example (docs.github.com: About code owners → Example of a CODEOWNERS file).
const documented = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`. Any changes
# in a \`/logs\` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty. Without an owner, changes
# to \`apps/github\` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as this subdirectory has its own owners.
/apps/ @octocat
/apps/github @doctocat
`;

describe('parseCodeowners', () => {
  it('reads the rules of the documented example, skipping comments and blank lines', () => {
    const { rules, errors } = parseCodeowners(documented);
    expect(errors).toEqual([]);
    expect(rules.map((rule) => rule.pattern)).toEqual([
      '*',
      '*.js',
      '*.go',
      '*.txt',
      '/build/logs/',
      'docs/*',
      'apps/',
      '/docs/',
      '/scripts/',
      '**/logs',
      '/apps/',
      '/apps/github',
      '/apps/',
      '/apps/github',
    ]);
    expect(rules[0]).toEqual({
      line: 8,
      pattern: '*',
      owners: [
        { kind: 'user', login: 'global-owner1' },
        { kind: 'user', login: 'global-owner2' },
      ],
    });
    expect(rules[1]?.owners).toEqual([{ kind: 'user', login: 'js-owner' }]); // the inline comment is no owner
    expect(rules[2]?.owners).toEqual([{ kind: 'email', email: 'docs@example.com' }]);
    expect(rules[3]?.owners).toEqual([{ kind: 'team', slug: 'octo-org/octocats' }]);
    expect(rules[11]?.owners).toEqual([]);
  });

  it('skips and reports the lines GitHub would skip', () => {
    const { rules, errors } = parseCodeowners('* @acme-ml/ml-platform\n!*.md @alice\n*.[ch] @bob\n\\#notes @carol\n/models/ alice\n/ml_model/ @dave\r\n');
    expect(rules.map((rule) => rule.pattern)).toEqual(['*', '/ml_model/']);
    expect(errors.map((error) => [error.line, error.message])).toEqual([
      [2, 'negated patterns ("!") are not supported in CODEOWNERS'],
      [3, 'character ranges ("[ ]") are not supported in CODEOWNERS'],
      [4, 'a pattern cannot start with "#", not even escaped as "\\#", in CODEOWNERS'],
      [5, '"alice" is not an owner: write @user, @org/team-name or an e-mail address'],
    ]);
  });
});

describe('ownersOf', () => {
  it('gives the owners of the last matching rule of the documented example', () => {
    expect(ownersOf(documented, 'README.md')).toEqual(['global-owner1', 'global-owner2']);
    expect(ownersOf(documented, 'src/app/index.js')).toEqual(['js-owner']);
    expect(ownersOf(documented, 'notes/todo.txt')).toEqual(['octo-org/octocats']);
    expect(ownersOf(documented, 'build/logs/today.log')).toEqual(['octocat']); // **/logs comes after /build/logs/
    expect(ownersOf(documented, 'deeply/nested/logs/x.log')).toEqual(['octocat']);
    expect(ownersOf(documented, 'docs/getting-started.md')).toEqual(['doctocat']);
    expect(ownersOf(documented, 'docs/build-app/troubleshooting.md')).toEqual(['doctocat']);
    expect(ownersOf(documented, 'scripts/deploy.sh')).toEqual(['doctocat', 'octocat']);
    expect(ownersOf(documented, 'lib/apps/main.js')).toEqual(['octocat']);
    expect(ownersOf(documented, 'apps/web/main.py')).toEqual(['octocat']);
    expect(ownersOf(documented, 'apps/github/main.py')).toEqual(['doctocat']);
    expect(ownersOf(documented, '/apps/github/main.py')).toEqual(['doctocat']);
  });

  it('leaves out e-mail owners, which ownerRuleOf still gives', () => {
    expect(ownersOf(documented, 'cmd/main.go')).toEqual([]);
    expect(ownerRuleOf(documented, 'cmd/main.go')).toEqual({ line: 19, pattern: '*.go', owners: [{ kind: 'email', email: 'docs@example.com' }] });
  });

  it('leaves a path unowned when the last matching rule has no owners, or no rule matches', () => {
    const text = '/apps/ @octocat\n/apps/github\n';
    expect(ownersOf(text, 'apps/github/x.ts')).toEqual([]);
    expect(ownersOf(text, 'apps/gitlab/x.ts')).toEqual(['octocat']);
    expect(ownersOf(text, 'README.md')).toEqual([]);
    expect(ownerRuleOf(text, 'README.md')).toBeUndefined();
  });

  it('owns a model repository as a team and its maintainers lay it out', () => {
    const text = `# Model repository of the search team
*                        @acme-ml/ml-search
/ml_model/train/         @alice @bob
/ml_model/inference/     @carol
model.toml               @alice @acme-ml/ml-platform
/tests_functional/**/*.json @dave
`;
    expect(ownersOf(text, 'ml_model/train/train.py')).toEqual(['alice', 'bob']);
    expect(ownersOf(text, 'ml_model/inference/inference.py')).toEqual(['carol']);
    expect(ownersOf(text, 'ml_model/shared/features.py')).toEqual(['acme-ml/ml-search']);
    expect(ownersOf(text, 'model.toml')).toEqual(['alice', 'acme-ml/ml-platform']);
    expect(ownersOf(text, 'tests_functional/v1_predict/test_request_01.json')).toEqual(['dave']);
    expect(ownersOf(parseCodeowners(text), 'requirements.txt')).toEqual(['acme-ml/ml-search']);
  });
});

describe('patternMatches', () => {
  it('follows gitignore where GitHub does', () => {
    expect(patternMatches('docs/*', 'docs/getting-started.md')).toBe(true);
    expect(patternMatches('docs/*', 'docs/build-app/troubleshooting.md')).toBe(false);
    expect(patternMatches('docs/*', 'src/docs/x.md')).toBe(false); // a "/" in the middle anchors it at the root
    expect(patternMatches('apps/', 'apps/x')).toBe(true);
    expect(patternMatches('apps/', 'a/b/apps/x/y')).toBe(true);
    expect(patternMatches('apps/', 'apps')).toBe(false); // a trailing "/" matches directories only
    expect(patternMatches('/build/logs/', 'src/build/logs/x')).toBe(false);
    expect(patternMatches('model.toml', 'nested/model.toml')).toBe(true);
    expect(patternMatches('/model.toml', 'nested/model.toml')).toBe(false);
    expect(patternMatches('a/**/b', 'a/b/file')).toBe(true);
    expect(patternMatches('a/**/b', 'a/x/y/b/file')).toBe(true);
    expect(patternMatches('/docs/**', 'docs/a/b.md')).toBe(true);
    expect(patternMatches('test_?.py', 'tests/test_1.py')).toBe(true);
    expect(patternMatches('test_?.py', 'tests/test_12.py')).toBe(false);
    expect(patternMatches('*.js', 'src/a.jsx')).toBe(false);
    expect(patternMatches('my\\ file.txt', 'my file.txt')).toBe(true);
  });

  it('is case-sensitive, as GitHub paths are', () => {
    expect(patternMatches('/Docs/', 'docs/a.md')).toBe(false);
    expect(patternMatches('*.MD', 'README.md')).toBe(false);
  });
});
