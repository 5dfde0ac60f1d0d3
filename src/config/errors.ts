/** One problem found in a config file, located precisely enough to fix without guessing. */
export interface ConfigIssue {
  /** JSON Pointer into the file (`/mcpServers/time/args/0`), `` for the root. */
  path: string;
  message: string;
}

/**
 * Thrown when a config file cannot be used. `message` lists every issue as
 * `<file> at <json-path>: <what was expected>` so a user can fix all of them in one pass.
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `Invalid MCP config ${file}:\n` +
        issues.map((issue) => `  - at ${issue.path === '' ? '/' : issue.path}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
