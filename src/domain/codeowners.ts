import { z } from 'zod';

/**
 * GitHub's CODEOWNERS format, read without I/O: each line is a path pattern followed by owners
 * (`@user`, `@org/team`, or an e-mail address of a GitHub account); `#` starts a comment, also
 * after a rule; blank lines are ignored. Patterns follow gitignore's rules except the ones GitHub
 * documents as unsupported: `\#` escapes, `!` negation and `[ ]` ranges. Paths are case-sensitive.
 * For a path, the LAST matching rule wins; a rule without owners leaves the path unowned.
 * See https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
 */

/** An owner as written in CODEOWNERS. */
export const codeOwner = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('user'), login: z.string().describe('GitHub login, without "@"') }),
    z.object({ kind: z.literal('team'), slug: z.string().describe('Team as "org/team-name", without "@"') }),
    z.object({ kind: z.literal('email'), email: z.string().describe('E-mail address of a GitHub account') }),
  ])
  .describe('A code owner: a user, a team or an e-mail address');

/** One rule of a CODEOWNERS file. */
export const codeOwnersRule = z
  .object({
    line: z.number().int().min(1).describe('Line number in the file, from 1'),
    pattern: z.string().describe('The path pattern as written'),
    owners: z.array(codeOwner).describe('Owners of matching paths; empty leaves them unowned'),
  })
  .describe('A CODEOWNERS rule');

/** A line GitHub would skip, and why. */
export const codeOwnersError = z
  .object({ line: z.number().int().min(1), text: z.string(), message: z.string() })
  .describe('A CODEOWNERS line with invalid syntax, skipped');

export type CodeOwner = z.infer<typeof codeOwner>;
export type CodeOwnersRule = z.infer<typeof codeOwnersRule>;
export type CodeOwnersError = z.infer<typeof codeOwnersError>;

/** A parsed CODEOWNERS file: its rules in file order, and the lines skipped for invalid syntax. */
export interface CodeOwners {
  readonly rules: readonly CodeOwnersRule[];
  readonly errors: readonly CodeOwnersError[];
}

const USER = /^@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})$/;
const TEAM = /^@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9][A-Za-z0-9_.-]*)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Parses CODEOWNERS text. A line with invalid syntax (an owner that is not `@user`, `@org/team`
 * or an e-mail, or a pattern GitHub does not support) is skipped and reported, as GitHub does.
 */
export function parseCodeowners(text: string): CodeOwners {
  const rules: CodeOwnersRule[] = [];
  const errors: CodeOwnersError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const tokens = tokenize(raw);
    const [pattern, ...ownerTokens] = tokens;
    if (pattern === undefined) return;
    const fail = (message: string) => errors.push({ line, text: raw.trim(), message });
    if (pattern.startsWith('\\#')) return void fail('a pattern cannot start with "#", not even escaped as "\\#", in CODEOWNERS');
    if (pattern.startsWith('!')) return void fail('negated patterns ("!") are not supported in CODEOWNERS');
    if (/[[\]]/.test(pattern)) return void fail('character ranges ("[ ]") are not supported in CODEOWNERS');
    const owners: CodeOwner[] = [];
    for (const token of ownerTokens) {
      const owner = ownerOf(token);
      if (!owner) return void fail(`"${token}" is not an owner: write @user, @org/team-name or an e-mail address`);
      owners.push(owner);
    }
    rules.push({ line, pattern, owners });
  });
  return { rules, errors };
}

/**
 * The owners of a path (relative to the repository root, with or without a leading "/"): the
 * owners of the last rule matching it, as GitHub logins (`alice`) and team slugs
 * (`acme-ml/ml-search`), in the order written. E-mail owners are left out: turning one into a
 * login takes a GitHub lookup; {@link ownerRuleOf} gives them. Empty when no rule matches, or the
 * last one has no owners.
 */
export function ownersOf(codeowners: string | CodeOwners, path: string): string[] {
  const rule = ownerRuleOf(codeowners, path);
  if (!rule) return [];
  return rule.owners.flatMap((owner) => (owner.kind === 'user' ? [owner.login] : owner.kind === 'team' ? [owner.slug] : []));
}

/** The last rule matching a path, or `undefined` when none does. */
export function ownerRuleOf(codeowners: string | CodeOwners, path: string): CodeOwnersRule | undefined {
  const { rules } = typeof codeowners === 'string' ? parseCodeowners(codeowners) : codeowners;
  const normalized = path.replace(/^\.?\/+/, '');
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index];
    if (rule && patternMatches(rule.pattern, normalized)) return rule;
  }
  return undefined;
}

/**
 * Whether a CODEOWNERS pattern matches a file path, by gitignore's rules: a pattern with a "/"
 * at its start or middle is relative to the root, otherwise it matches at any depth; a pattern
 * naming a directory matches everything under it; a trailing "/" matches directories only;
 * `*` and `?` never cross a "/"; `**` spans directories. As GitHub documents, `docs/*` owns the
 * files directly in docs/ but not those in its subdirectories.
 */
export function patternMatches(pattern: string, path: string): boolean {
  return compile(pattern).test(path);
}

const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (regex) return regex;
  let body = pattern;
  const directoryOnly = body.endsWith('/');
  if (directoryOnly) body = body.replace(/\/+$/, '');
  const anchored = body.startsWith('/') || body.includes('/');
  body = body.replace(/^\/+/, '');
  const segments = body.split('/');
  const last = segments.at(-1) ?? '';
  let source = '';
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    if (segment === '**') {
      // Leading "**/" and middle "/**/": any number of directories, none included; trailing "/**": everything inside.
      source += isLast ? (index === 0 ? '.*' : '.+') : '(?:[^/]+/)*';
      return;
    }
    source += segmentSource(segment) + (isLast ? '' : '/');
  });
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A path under a matched directory is matched too, except under a last segment of a bare "*"
  // (GitHub: "docs/*" does not own docs/build-app/troubleshooting.md) or after a trailing "**".
  const suffix = directoryOnly ? '/.+$' : last === '*' || last === '**' ? '$' : '(?:/.+)?$';
  regex = new RegExp(prefix + source + suffix);
  compiled.set(pattern, regex);
  return regex;
}

function segmentSource(segment: string): string {
  let source = '';
  for (let index = 0; index < segment.length; index++) {
    const char = segment[index] ?? '';
    if (char === '\\' && index + 1 < segment.length) source += escapeRegex(segment[++index] ?? '');
    else if (char === '*') source += segment[index + 1] === '*' ? (index++, '[^/]*') : '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += escapeRegex(char);
  }
  return source;
}

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}

/** Splits a line into whitespace-separated tokens up to a comment; `\ ` keeps a space in a pattern. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (let index = 0; index < line.length; index++) {
    const char = line[index] ?? '';
    if (char === '\\' && index + 1 < line.length) {
      current += char + (line[++index] ?? '');
    } else if (char === '#' && current === '') {
      break;
    } else if (/\s/.test(char)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

function ownerOf(token: string): CodeOwner | undefined {
  const team = TEAM.exec(token);
  if (team?.[1]) return { kind: 'team', slug: team[1] };
  const user = USER.exec(token);
  if (user?.[1]) return { kind: 'user', login: user[1] };
  if (EMAIL.test(token)) return { kind: 'email', email: token };
  return undefined;
}
