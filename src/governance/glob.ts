/**
 * Name patterns: an exact string, or a glob where `*` matches any run of characters (none, and
 * `/` included) and `?` exactly one character (one Unicode code point). Every other character
 * stands for itself, so `.`, `+`, `(`, `[`, `\`, `^`, `$` in tool names and URIs need no escaping
 * and carry no meaning. A pattern matches the whole string (it is anchored at both ends) and is
 * case-sensitive, as MCP tool names are.
 *
 * No RegExp is built: resource URIs come from clients and may be long, and a backtracking regex
 * for a pattern like `*a*a*a*b` can take time polynomial in the input's length to fail. The
 * matcher below is the classic two-pointer wildcard match: at most (text length × pattern length)
 * steps, whatever the pattern.
 */
import { RulesConfigError } from './errors.js';

export interface Glob {
  /** The pattern as written in the config. */
  readonly pattern: string;
  /** True when the pattern has no `*` or `?` (it matches only itself). */
  readonly literal: boolean;
  matches(text: string): boolean;
}

/** What is wrong with a pattern, or undefined when it can be compiled. */
export function globProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `a pattern must be a string, not ${describeType(pattern)}`;
  if (pattern.length === 0)
    return 'a pattern must not be empty (to match nothing, leave it out; to match everything, use "*")';
  return undefined;
}

/** Whether `pattern` uses `*` or `?`. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Compiles one pattern; throws `RulesConfigError` (code `rules_invalid`) for an empty or non-string one. */
export function compileGlob(pattern: string): Glob {
  const problem = globProblem(pattern);
  if (problem !== undefined) throw new RulesConfigError([{ path: '', message: problem }]);
  if (!isGlob(pattern)) return { pattern, literal: true, matches: (text) => text === pattern };
  if (/^\*+$/.test(pattern)) return { pattern, literal: false, matches: (text) => typeof text === 'string' };
  const tokens = Array.from(pattern);
  return { pattern, literal: false, matches: (text) => typeof text === 'string' && wildcardMatch(tokens, text) };
}

/**
 * Several patterns (an `allow` or `deny` list): exact names are looked up in a set, globs are
 * tried in the order written.
 */
export class GlobList {
  readonly patterns: readonly string[];
  private readonly exact: ReadonlySet<string>;
  private readonly globs: readonly Glob[];

  constructor(patterns: readonly string[]) {
    const compiled = patterns.map(compileGlob);
    this.patterns = [...patterns];
    this.exact = new Set(compiled.filter((glob) => glob.literal).map((glob) => glob.pattern));
    this.globs = compiled.filter((glob) => !glob.literal);
  }

  /** The pattern that matches `text` (the exact name before any glob), or undefined. */
  firstMatch(text: string): string | undefined {
    if (this.exact.has(text)) return text;
    return this.globs.find((glob) => glob.matches(text))?.pattern;
  }

  /** The patterns that name one string exactly (no `*` or `?`). */
  exactNames(): ReadonlySet<string> {
    return this.exact;
  }
}

function wildcardMatch(pattern: readonly string[], input: string): boolean {
  const text = Array.from(input);
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const token = pattern[p];
    if (token === '*') {
      star = p++;
      resume = t;
    } else if (token !== undefined && (token === '?' || token === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and retry the rest of the pattern after it.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
