import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';

/**
 * Reading a TOML document (the policy file, a model's model.toml) against a zod schema, with
 * errors a person can act on: each names the TOML path of the bad value, what was expected,
 * what was found, and how to fix it. All errors of a document come back at once.
 */

/** One problem in a document. `path` is a TOML path such as `train_metrics.recall.min`. */
export interface DocumentError {
  readonly path: string;
  readonly message: string;
  /** Set for TOML syntax errors. */
  readonly line?: number;
  readonly column?: number;
}

export type DocumentResult<T> = { ok: true; value: T } | { ok: false; errors: DocumentError[] };

/** Parses TOML text and validates it; a syntax error is reported with its line and column. */
export function readTomlDocument<S extends z.ZodType>(schema: S, text: string): DocumentResult<z.output<S>> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      const source = text.split(/\r?\n/)[error.line - 1]?.trim();
      return {
        ok: false,
        errors: [
          {
            path: '',
            line: error.line,
            column: error.column,
            message: `invalid TOML at line ${error.line}, column ${error.column}: ${reason}${source ? ` (the line reads: ${source})` : ''}`,
          },
        ],
      };
    }
    throw error;
  }
  return validateDocument(schema, data);
}

/** Validates already-parsed data, reporting every issue with its TOML path. */
export function validateDocument<S extends z.ZodType>(schema: S, data: unknown): DocumentResult<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  // Several checks of one value can fail together with the same message; report it once.
  const errors = result.error.issues.flatMap((issue) => documentErrors(schema, issue));
  return { ok: false, errors: errors.filter((error, index) => errors.findIndex((e) => e.path === error.path && e.message === error.message) === index) };
}

function documentErrors(schema: z.ZodType, issue: z.core.$ZodIssue): DocumentError[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, issue.path);
    return issue.keys.map((key) => ({ path: tomlPath([...issue.path, key]), message: unknownKeyMessage(key, known) }));
  }
  if (issue.code === 'invalid_key') {
    return [{ path: tomlPath(issue.path), message: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ path: tomlPath(issue.path), message: issue.message }];
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  const close = known
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
    .filter(
      ({ candidate, distance }) =>
        distance <= Math.max(1, Math.floor(candidate.length / 3)) ||
        // minimum → min, server → server_name
        (Math.min(lower.length, candidate.length) >= 3 && (lower.startsWith(candidate) || candidate.startsWith(lower))),
    )
    .sort((a, b) => a.distance - b.distance)[0];
  if (close) return `unknown key — did you mean "${close.candidate}"?`;
  return known.length > 0 ? `unknown key — remove it; the keys allowed here are: ${known.join(', ')}` : 'unknown key — remove it';
}

/** The keys an object schema allows at `path`, looking through wrappers such as defaults. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (const segment of [...path, undefined]) {
    current = unwrap(current);
    if (segment === undefined) break;
    const def: z.core.$ZodTypeDef | undefined = current?._zod.def;
    if (def?.type === 'object') current = (def as z.core.$ZodObjectDef).shape[String(segment)];
    else if (def?.type === 'array') current = (def as z.core.$ZodArrayDef).element;
    else if (def?.type === 'record') current = (def as z.core.$ZodRecordDef).valueType;
    else current = undefined;
  }
  const def = current?._zod.def;
  return def?.type === 'object' ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (;;) {
    const def = current?._zod.def as { type?: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } | undefined;
    if (def?.innerType) current = def.innerType;
    else if (def?.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** `["teams", 0, "slack_channel"]` → `teams[0].slack_channel`; keys that are not bare are quoted. */
export function tomlPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else {
      const key = String(segment);
      const bare = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      text += text === '' ? bare : `.${bare}`;
    }
  }
  return text;
}

/** A value as it appears in an error message: strings quoted and cut short, tables named. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return `a date (${String(value)})`;
  if (Array.isArray(value)) {
    const text = `[${value.map(show).join(', ')}]`;
    return text.length > 80 ? `an array of ${value.length} values` : text;
  }
  return 'a table';
}

/** The raw issue a zod error function receives; only the offending input is used here. */
export interface RawIssue {
  readonly input?: unknown;
}

/**
 * A zod error function for one field: `expected <what>, got <value> — <fix>`, or
 * `is required — <fix>` when the value is absent. `fix` may look at the value to give a more
 * precise hint (e.g. a number where a quoted string was meant). Secret values are never shown.
 */
export function expecting(
  expected: string,
  fix: string | ((input: unknown) => string),
  options: { secret?: boolean } = {},
): (issue: RawIssue) => string {
  return (issue) => {
    const hint = typeof fix === 'string' ? fix : fix(issue.input);
    if (issue.input === undefined) return `is required — ${hint}`;
    const got = options.secret ? 'a value (not shown, it is secret)' : show(issue.input);
    return `expected ${expected}, got ${got} — ${hint}`;
  };
}

/**
 * A TOML table whose keys are all known: a misspelt key is reported, with the closest known key
 * suggested. `fix` says how to add the table when it is missing or not a table.
 */
export function table<Shape extends z.core.$ZodLooseShape>(shape: Shape, fix: string) {
  return z.strictObject(shape, { error: expecting('a table', fix) });
}
