import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import type { ConfigIssue } from './errors.js';
import { validate } from './schema-validator.generated.js';

const require = createRequire(import.meta.url);
/** The one schema: editors read it through `$schema`, the runtime, the CLI and the azd hook validate with it. */
export const configSchema = require('../../schemas/mcp_config.schema.json') as Record<string, unknown>;

/**
 * Validates a parsed config document against the schema and returns every issue, readable. The
 * schema is compiled ahead of time (`npm run schema:validator`; a test keeps it in step), with
 * the Ajv options `scripts/generate-config-validator.mjs` names: `allErrors`, `verbose`.
 */
export function validateAgainstSchema(document: unknown): ConfigIssue[] {
  if (validate(document)) return [];
  // `if`/`then`/`else` failures only repeat the errors of the branch they chose.
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if');
  return dedupe(errors.map(describe));
}

function describe(error: ErrorObject): ConfigIssue {
  const path = error.instancePath;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      const guess = closest(name, known);
      const hint = guess
        ? `; did you mean "${guess}"?`
        : known.length > 0
          ? ` (expected one of: ${known.join(', ')})`
          : '';
      return { path: `${path}/${name}`, message: `unknown property "${name}"${hint}` };
    }
    case 'required':
      return { path, message: `missing required property "${String(p.missingProperty)}"` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { path, message: typeMessage(path, String(p.type), error.data) };
    case 'propertyNames':
      return {
        path: `${path}/${String(p.propertyName)}`,
        message: `invalid name "${String(p.propertyName)}": ${nameRule(error)}`,
      };
    case 'pattern':
      return { path, message: `must match ${String(p.pattern)}` };
    case 'anyOf':
      return { path, message: 'must be a log level name or an object of log levels per component' };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function typeMessage(path: string, expected: string, actual: unknown): string {
  const got = actual === null ? 'null' : Array.isArray(actual) ? 'an array' : typeof actual;
  if (/\/args$/.test(path) && typeof actual === 'string') {
    return `must be an array of strings, not one string; write each argument separately, e.g. ${JSON.stringify(actual.split(/\s+/).filter(Boolean))}`;
  }
  if (/\/env\/[^/]+$/.test(path) && expected === 'string') {
    return `environment values must be strings: write ${JSON.stringify(String(actual))} in quotes (got ${got})`;
  }
  if (/\/args\/\d+$/.test(path) && expected === 'string')
    return `arguments must be strings: write ${JSON.stringify(String(actual))} in quotes (got ${got})`;
  return `must be ${expected === 'object' ? 'an object' : expected === 'array' ? 'an array' : `a ${expected}`} (got ${got})`;
}

function nameRule(error: ErrorObject): string {
  const description = (error.parentSchema as { propertyNames?: { description?: string; $ref?: string } } | undefined)
    ?.propertyNames?.description;
  return (
    description ??
    "server names appear in URLs: letters, digits, '_', '.', '-', at most 64 characters, starting with a letter or digit"
  );
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  // A propertyNames failure also reports the nested `pattern` error on the parent; keep the clearer one.
  return issues.filter((issue) => {
    if (
      issue.message.startsWith('must match') &&
      issues.some((other) => other.path.startsWith(`${issue.path}/`) && other.message.startsWith('invalid name'))
    )
      return false;
    const full = `${issue.path}\u0000${issue.message}`;
    if (seen.has(full)) return false;
    seen.add(full);
    return true;
  });
}

/** The known name a typo most likely meant: same letters ignoring case/`_`/`-`, or within edit distance 2. */
export function closest(name: string, known: string[]): string | undefined {
  const squash = (value: string) => value.toLowerCase().replace(/[_-]/g, '');
  const exact = known.find((candidate) => squash(candidate) === squash(name));
  if (exact) return exact;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(squash(name), squash(candidate));
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
