/**
 * The few MCP shapes the rule engine reads, and the settings it is compiled from. Kept local and
 * minimal on purpose: the engine reads `name`, `description`, `annotations`, `uri` and
 * `uriTemplate` and copies every other field through untouched, whatever revision the child speaks.
 */

/**
 * `ToolAnnotations` (MCP 2025-03-26 and later). Every field is a hint: the spec says clients must
 * treat annotations as untrusted unless they come from a trusted server.
 */
export interface ToolAnnotations {
  title?: string;
  /** The tool does not modify its environment. Default (absent): false. */
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
  [key: string]: unknown;
}

/** A tool as a `tools/list` result lists it; fields not named here (inputSchema, icons, _meta...) are kept. */
export interface Tool {
  name: string;
  title?: string;
  description?: string;
  annotations?: ToolAnnotations;
  [key: string]: unknown;
}

export interface Prompt {
  name: string;
  title?: string;
  description?: string;
  [key: string]: unknown;
}

export interface Resource {
  uri: string;
  name?: string;
  [key: string]: unknown;
}

export interface ResourceTemplate {
  uriTemplate: string;
  name?: string;
  [key: string]: unknown;
}

/** Fields every paginated list result may carry besides its items; all kept as they are. */
export interface PaginatedResult {
  nextCursor?: string;
  _meta?: Record<string, unknown>;
}
export interface ToolsListResult extends PaginatedResult {
  tools: readonly Tool[];
}
export interface PromptsListResult extends PaginatedResult {
  prompts: readonly Prompt[];
}
export interface ResourcesListResult extends PaginatedResult {
  resources: readonly Resource[];
}
export interface ResourceTemplatesListResult extends PaginatedResult {
  resourceTemplates: readonly ResourceTemplate[];
}

/**
 * Which names (or URIs) pass. Patterns are exact strings or globs (`*`: any run of characters,
 * `/` included; `?`: exactly one character), matched against the whole, case-sensitively.
 */
export interface NameRuleSettings {
  /** Only what matches one of these passes; absent: everything. `[]` lets nothing through. */
  allow?: string[];
  /** What matches one of these never passes, even when `allow` names it. */
  deny?: string[];
}

/** What a role may set: the filtering rules only (names and descriptions are server-wide). */
export interface RoleToolRuleSettings extends NameRuleSettings {
  /** Only tools whose `annotations.readOnlyHint` is `true`. */
  read_only?: boolean;
}

/** The `tools` block of a server in mcp_config.json, as written there. */
export interface ToolRuleSettings extends RoleToolRuleSettings {
  /** Child's tool name → the name clients see. */
  rename?: Record<string, string>;
  /** Child's tool name → the description clients see. */
  describe?: Record<string, string>;
  /** Accept a rule set that hides every tool the child lists (default: fail closed). */
  allow_empty?: boolean;
  /** Role name → the rules a caller holding that role gets instead of the server's (see `roles.ts`). */
  roles?: Record<string, RoleToolRuleSettings>;
}

/** A server's rules, as `compileRules` takes them: the `tools`, `prompts` and `resources` blocks. */
export interface GovernanceSettings {
  tools?: ToolRuleSettings;
  prompts?: NameRuleSettings;
  /** Matched against a resource's `uri` and a resource template's `uriTemplate`. */
  resources?: NameRuleSettings;
}
