import { AdapterError } from '../errors/adapter-error.js';
import type { Position } from './json-location.js';

/** One problem found in a config file, located precisely enough to fix without guessing. */
export interface ConfigIssue {
  /** JSON Pointer into the file (`/mcpServers/time/args/0`), `` for the root. */
  path: string;
  message: string;
  /** Where in the file, when the file text is known. */
  position?: Position;
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.position ? `${file}:${issue.position.line}:${issue.position.column}` : file;
  return `${where} at ${issue.path === '' ? '/' : issue.path}: ${issue.message}`;
}

/**
 * Thrown when a config file cannot be used. `message` lists every issue as
 * `<file>:<line>:<column> at <json-path>: <what was expected>` so a user can fix all of them in
 * one pass.
 */
export class ConfigError extends AdapterError {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`Invalid MCP config ${file}:\n${issues.map((issue) => `  - ${formatIssue(file, issue)}`).join('\n')}`, {
      code: 'config_invalid',
    });
  }
}
