import { AdapterError } from '../errors/adapter-error.js';

/** One problem in a server's rules. */
export interface RuleIssue {
  /**
   * JSON Pointer into the settings `compileRules` was given (`/tools/rename/get_env`), so the
   * config loader can prefix it with the server's own path (`/mcpServers/docs`).
   */
  path: string;
  message: string;
}

/**
 * Thrown when tool, prompt or resource rules cannot be used. Lists every issue found, so a user
 * fixes them all in one pass. Raised at start-up (config loading): it never reaches a request.
 */
export class RulesConfigError extends AdapterError {
  readonly issues: readonly RuleIssue[];

  constructor(issues: readonly RuleIssue[]) {
    super(
      `Invalid tool, prompt or resource rules:\n${issues.map((issue) => `  - ${issue.path || '/'}: ${issue.message}`).join('\n')}`,
      { code: 'rules_invalid' },
    );
    this.issues = issues;
  }
}
