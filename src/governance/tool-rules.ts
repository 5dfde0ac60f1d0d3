/**
 * What a server exposes: a pure rule engine over the MCP messages that name tools, prompts and
 * resources. It knows nothing of sessions, eras or transports; the adapter applies it to
 * `tools/list`, `tools/call`, `prompts/list`, `prompts/get`, `resources/list`,
 * `resources/templates/list` and `resources/read` in both protocol eras.
 *
 * Rules are written against the **child's** names: `allow`, `deny`, `read_only`, `rename` keys
 * and `describe` keys all name a tool as the child lists it, never as clients see it after a
 * rename. Clients only ever see and call the renamed name.
 *
 * Order of evaluation for a tool: a name given to another tool by `rename` hides the child's own
 * tool of that name; then `deny` (deny wins over allow); then `allow` (absent: everything); then
 * `read_only`.
 */
import { ErrorCode } from '../protocol/jsonrpc.js';
import { type RuleIssue, RulesConfigError } from './errors.js';
import { GlobList, describeType, globProblem, isGlob } from './glob.js';
import type {
  GovernanceSettings,
  PromptsListResult,
  ResourcesListResult,
  ResourceTemplatesListResult,
  Tool,
  ToolAnnotations,
  ToolsListResult,
} from './types.js';

/** Whether a tool is shown, and when it is not, the rule that hid it (for the audit line). */
export type ToolExposure = { exposed: true } | { exposed: false; rule: string };

/**
 * A request the rules refuse. `message` is what the client is told: it is the same whether or not
 * the child has such a tool, prompt or resource, so a caller cannot probe for hidden ones. `rule`
 * is for the adapter's own audit log only (it does reveal why). `code` is JSON-RPC Invalid Params
 * (-32602), what MCP answers for an unknown tool or prompt, and since SEP-2164 for an unknown
 * resource too.
 */
export interface Refusal {
  ok: false;
  rule: string;
  message: string;
  code: number;
}
export type ToolCallCheck = { ok: true; childName: string } | Refusal;
export type NameCheck = { ok: true } | Refusal;

/**
 * A server's rules, compiled once at start-up by `compileRules` and then applied to every
 * message. Every method is pure: it never mutates its arguments and keeps no state between calls.
 *
 * **Pagination.** `tools/list`, `prompts/list`, `resources/list` and `resources/templates/list`
 * are paginated and the filters work one page at a time: a filtered page may be shorter than the
 * child's, or empty while `nextCursor` says more follow. The spec allows this: cursors are
 * opaque, page size is the server's to choose, and clients must keep following `nextCursor`
 * until it is absent rather than stop at an empty page. `nextCursor` and `_meta` are passed
 * through unchanged.
 *
 * **read_only.** `read_only` shows only tools whose `annotations.readOnlyHint` is `true`. MCP
 * defines `ToolAnnotations` as hints, not guarantees ("clients MUST consider tool annotations to
 * be untrusted unless they come from trusted servers"): the rule relies on the child being honest
 * about its tools. It narrows what a well-behaved server exposes; it does not sandbox a server
 * that lies about a tool that writes. Annotations come from the child's `tools/list`, never from a
 * `tools/call`, so at call time the adapter must pass the annotations of the child's most recent
 * list (see `checkToolCall`); a call whose annotations are unknown is refused under `read_only`.
 */
export interface CompiledRules {
  /** `base` for the server's own rules, `role "name"` for a role's, `roles "a", "b"` for a union. */
  readonly scope: string;
  /** No rule of any kind is configured: every method passes everything through, so callers may skip them. */
  readonly isEmpty: boolean;
  /** A tool rule (allow, deny, read_only, rename or describe) applies. */
  readonly hasToolRules: boolean;
  readonly hasPromptRules: boolean;
  readonly hasResourceRules: boolean;
  /** `read_only` applies: `checkToolCall` needs the annotations from the child's `tools/list`. */
  readonly usesAnnotations: boolean;
  /** `tools.allow_empty`: a rule set that leaves no tool is accepted rather than failing closed. */
  readonly allowEmpty: boolean;
  /** Each configured role's rules (the server's names and descriptions, the role's filters); see `selectRules`. */
  readonly roles: Readonly<Record<string, CompiledRules>>;

  /**
   * Whether the child's tool `childName` is shown. `annotations` are the tool's annotations from
   * the child's list; absent, `read_only` hides the tool (`read_only (no readOnlyHint)`).
   */
  exposesTool(childName: string, annotations?: ToolAnnotations): ToolExposure;
  /** The name clients see for the child's tool `childName` (its `rename`, or itself). */
  clientToolName(childName: string): string;
  /**
   * The child's name for a tool name a client sent, or undefined when that name is not exposed:
   * hidden by allow/deny, or the original name of a renamed tool (after `get_env` → `environment`,
   * `get_env` is refused: clients only know `environment`). Does not apply `read_only`, which needs
   * the tool's annotations: use `checkToolCall` to decide a call.
   */
  childToolName(clientName: string): string | undefined;
  /**
   * Decides a `tools/call`: the child's name to forward it under, or a refusal. `knownAnnotations`
   * are the tool's annotations from the child's most recent `tools/list` (keyed by the child's
   * name, i.e. `childToolName(clientName)`); when the adapter has no list (a client may call
   * without listing), leave it out and `read_only` refuses the call (`read_only (annotations
   * unknown)`): under `read_only` a call is only forwarded for a tool known to be read-only.
   */
  checkToolCall(clientName: string, knownAnnotations?: ToolAnnotations): ToolCallCheck;
  /**
   * A `tools/list` result as clients may see it: only exposed tools, renamed and re-described,
   * every other field of the result and of each tool kept. A new object; the input is not mutated
   * (tools that change are copied, the others are shared). Without tool rules, `result` itself is
   * returned. Entries without a string `name`, and a `tools` that is not an array, are dropped.
   */
  filterToolsList<T extends ToolsListResult>(result: T): T;
  /**
   * True when the rules hide every tool of `tools` (which must not be empty). Pass the child's
   * whole list (every page): a single page may hold only hidden tools. The caller fails closed
   * (refuses to serve the server) unless `allowEmpty`.
   */
  leavesNothing(tools: readonly Tool[]): boolean;
  /**
   * Tools of `tools` that rules would show but that are hidden because a `rename` gave their name
   * to another tool (rename `a` → `b` while the child also has `b`): one message each, for a
   * start-up warning. Such a tool is unreachable by name, so it is never listed.
   */
  nameConflicts(tools: readonly Tool[]): string[];

  /** Decides a `prompts/get` (and a `completion/complete` whose `ref` is `ref/prompt`). */
  checkPrompt(name: string): NameCheck;
  filterPromptsList<T extends PromptsListResult>(result: T): T;
  /**
   * Decides a `resources/read` (and `resources/subscribe`, and a `completion/complete` whose `ref`
   * is `ref/resource`, by its template). Patterns are matched against the URI as the client sent
   * it: write them to match both a template (`file:///logs/{name}`) and the URIs it expands to
   * (`file:///logs/*` matches both).
   */
  checkResourceRead(uri: string): NameCheck;
  filterResourcesList<T extends ResourcesListResult>(result: T): T;
  /** Matches each template's `uriTemplate` against the resource patterns. */
  filterResourceTemplatesList<T extends ResourceTemplatesListResult>(result: T): T;
}

/**
 * Tool names the adapter creates by `rename` follow the MCP guidance (2025-11-25, "Tool names"):
 * 1 to 128 characters, ASCII letters, digits, `_`, `-` and `.`.
 */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

interface NameFilter {
  allow: GlobList | undefined;
  deny: GlobList | undefined;
}
interface ToolFilter extends NameFilter {
  readOnly: boolean;
  scope: string;
}
interface Naming {
  /** Child's name → client's name. */
  toClient: ReadonlyMap<string, string>;
  /** Client's name → child's name (renamed tools only). */
  toChild: ReadonlyMap<string, string>;
  /** Child's name → description. */
  descriptions: ReadonlyMap<string, string>;
}
interface Parts {
  naming: Naming;
  /** Empty: no filtering; several: a union (a tool passes when one of them passes it). */
  filters: readonly ToolFilter[];
  prompts: NameFilter | undefined;
  resources: NameFilter | undefined;
  allowEmpty: boolean;
}

const NO_ROLES: Readonly<Record<string, CompiledRules>> = Object.freeze(Object.create(null));

class RuleSet implements CompiledRules {
  readonly isEmpty: boolean;
  readonly hasToolRules: boolean;
  readonly hasPromptRules: boolean;
  readonly hasResourceRules: boolean;
  readonly usesAnnotations: boolean;
  readonly allowEmpty: boolean;

  constructor(
    private readonly parts: Parts,
    readonly scope: string,
    readonly roles: Readonly<Record<string, CompiledRules>> = NO_ROLES,
  ) {
    const { naming, filters } = parts;
    this.hasToolRules = filters.length > 0 || naming.toClient.size > 0 || naming.descriptions.size > 0;
    this.hasPromptRules = parts.prompts !== undefined;
    this.hasResourceRules = parts.resources !== undefined;
    this.isEmpty = !this.hasToolRules && !this.hasPromptRules && !this.hasResourceRules;
    this.usesAnnotations = filters.some((filter) => filter.readOnly);
    this.allowEmpty = parts.allowEmpty;
  }

  /** The union of role rule sets that share `base`'s names and descriptions (see `roles.ts`). */
  static union(base: CompiledRules, members: readonly CompiledRules[], scope: string): CompiledRules {
    if (!(base instanceof RuleSet)) throw new TypeError('selectRules needs rules from compileRules');
    const filters: ToolFilter[] = [];
    let unfiltered = false;
    for (const member of members) {
      if (!(member instanceof RuleSet) || member.parts.naming !== base.parts.naming)
        throw new TypeError(
          'the role rules given to selectRules must come from the same compileRules call as the base',
        );
      if (member.parts.filters.length === 0) unfiltered = true;
      filters.push(...member.parts.filters);
    }
    return new RuleSet({ ...base.parts, filters: unfiltered ? [] : filters }, scope);
  }

  exposesTool(childName: string, annotations?: ToolAnnotations): ToolExposure {
    const rule = this.hidingRule(childName, annotations, false);
    return rule === undefined ? { exposed: true } : { exposed: false, rule };
  }

  clientToolName(childName: string): string {
    return this.parts.naming.toClient.get(childName) ?? childName;
  }

  childToolName(clientName: string): string | undefined {
    if (typeof clientName !== 'string') return undefined;
    const childName = this.toChildName(clientName);
    if (childName === undefined) return undefined;
    return this.verdict(this.parts.filters, (filter) => nameRule(filter, childName)) === undefined
      ? childName
      : undefined;
  }

  checkToolCall(clientName: string, knownAnnotations?: ToolAnnotations): ToolCallCheck {
    if (typeof clientName !== 'string') return refuse('Tool', clientName, 'name is not a string');
    if (!this.hasToolRules) return { ok: true, childName: clientName };
    const childName = this.toChildName(clientName);
    if (childName === undefined)
      return refuse('Tool', clientName, `renamed to ${JSON.stringify(this.clientToolName(clientName))}`);
    const rule = this.hidingRule(childName, knownAnnotations, true);
    return rule === undefined ? { ok: true, childName } : refuse('Tool', clientName, rule);
  }

  filterToolsList<T extends ToolsListResult>(result: T): T {
    if (!this.hasToolRules || !isRecord(result)) return result;
    return { ...result, tools: this.visibleTools(result.tools) };
  }

  leavesNothing(tools: readonly Tool[]): boolean {
    return this.hasToolRules && Array.isArray(tools) && tools.length > 0 && this.visibleTools(tools).length === 0;
  }

  nameConflicts(tools: readonly Tool[]): string[] {
    const conflicts: string[] = [];
    if (!Array.isArray(tools)) return conflicts;
    for (const tool of tools as unknown[]) {
      if (!isRecord(tool) || typeof tool.name !== 'string' || !this.isShadowed(tool.name)) continue;
      const name = tool.name;
      if (this.verdict(this.parts.filters, (filter) => toolRule(filter, name, tool.annotations, false)) !== undefined)
        continue;
      const renamed = this.parts.naming.toChild.get(name);
      conflicts.push(
        `the child's tool ${JSON.stringify(name)} is hidden: ${JSON.stringify(renamed)} is renamed to that name`,
      );
    }
    return conflicts;
  }

  checkPrompt(name: string): NameCheck {
    return checkName('Prompt', this.parts.prompts, name);
  }

  filterPromptsList<T extends PromptsListResult>(result: T): T {
    const filter = this.parts.prompts;
    if (filter === undefined || !isRecord(result)) return result;
    return { ...result, prompts: keep(result.prompts, 'name', filter) };
  }

  checkResourceRead(uri: string): NameCheck {
    return checkName('Resource', this.parts.resources, uri);
  }

  filterResourcesList<T extends ResourcesListResult>(result: T): T {
    const filter = this.parts.resources;
    if (filter === undefined || !isRecord(result)) return result;
    return { ...result, resources: keep(result.resources, 'uri', filter) };
  }

  filterResourceTemplatesList<T extends ResourceTemplatesListResult>(result: T): T {
    const filter = this.parts.resources;
    if (filter === undefined || !isRecord(result)) return result;
    return { ...result, resourceTemplates: keep(result.resourceTemplates, 'uriTemplate', filter) };
  }

  /** The child's name for a client's name; undefined for the original name of a renamed tool. */
  private toChildName(clientName: string): string | undefined {
    const { toChild, toClient } = this.parts.naming;
    return toChild.get(clientName) ?? (toClient.has(clientName) ? undefined : clientName);
  }

  /** The child has a tool of this name, but `rename` gave the name to another tool. */
  private isShadowed(childName: string): boolean {
    const { toChild, toClient } = this.parts.naming;
    return toChild.has(childName) && !toClient.has(childName);
  }

  private hidingRule(childName: string, annotations: unknown, atCall: boolean): string | undefined {
    if (typeof childName !== 'string') return 'name is not a string';
    if (this.isShadowed(childName))
      return `name taken by ${JSON.stringify(this.parts.naming.toChild.get(childName))} (rename)`;
    return this.verdict(this.parts.filters, (filter) => toolRule(filter, childName, annotations, atCall));
  }

  /** Undefined when one filter passes (or there is none); else the rule of each, joined. */
  private verdict(filters: readonly ToolFilter[], ruleOf: (filter: ToolFilter) => string | undefined) {
    const rules: string[] = [];
    for (const filter of filters) {
      const rule = ruleOf(filter);
      if (rule === undefined) return undefined;
      rules.push(filters.length === 1 ? rule : `${filter.scope}: ${rule}`);
    }
    return rules.length === 0 ? undefined : rules.join('; ');
  }

  private visibleTools(tools: unknown): Tool[] {
    if (!Array.isArray(tools)) return [];
    const visible: Tool[] = [];
    for (const tool of tools as unknown[]) {
      if (!isRecord(tool) || typeof tool.name !== 'string') continue;
      if (this.hidingRule(tool.name, tool.annotations, false) !== undefined) continue;
      visible.push(this.present(tool as Tool));
    }
    return visible;
  }

  private present(tool: Tool): Tool {
    const name = this.parts.naming.toClient.get(tool.name);
    const description = this.parts.naming.descriptions.get(tool.name);
    if (name === undefined && description === undefined) return tool;
    return { ...tool, ...(name !== undefined && { name }), ...(description !== undefined && { description }) };
  }
}

function nameRule(filter: NameFilter, name: string): string | undefined {
  const denied = filter.deny?.firstMatch(name);
  if (denied !== undefined) return `deny ${JSON.stringify(denied)}`;
  if (filter.allow !== undefined && filter.allow.firstMatch(name) === undefined) return 'not in allow';
  return undefined;
}

function toolRule(filter: ToolFilter, name: string, annotations: unknown, atCall: boolean): string | undefined {
  const byName = nameRule(filter, name);
  if (byName !== undefined || !filter.readOnly) return byName;
  if (annotations === undefined && atCall) return 'read_only (annotations unknown)';
  const hint = isRecord(annotations) ? annotations.readOnlyHint : undefined;
  if (hint === true) return undefined;
  if (hint === undefined) return 'read_only (no readOnlyHint)';
  return hint === false ? 'read_only (readOnlyHint false)' : 'read_only (readOnlyHint not true)';
}

function checkName(kind: string, filter: NameFilter | undefined, name: string): NameCheck {
  if (typeof name !== 'string') return refuse(kind, name, `${kind === 'Resource' ? 'uri' : 'name'} is not a string`);
  if (filter === undefined) return { ok: true };
  const rule = nameRule(filter, name);
  return rule === undefined ? { ok: true } : refuse(kind, name, rule);
}

function keep<T>(items: unknown, key: string, filter: NameFilter): T[] {
  if (!Array.isArray(items)) return [];
  return (items as unknown[]).filter((item): item is T => {
    if (!isRecord(item)) return false;
    const value = item[key];
    return typeof value === 'string' && nameRule(filter, value) === undefined;
  });
}

function refuse(kind: string, name: unknown, rule: string): Refusal {
  const message =
    typeof name === 'string'
      ? `${kind} ${JSON.stringify(name)} is not available on this server`
      : `${kind} ${kind === 'Resource' ? 'uri' : 'name'} must be a string`;
  return { ok: false, rule, message, code: ErrorCode.InvalidParams };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Compiling settings

const TOP_KEYS = ['tools', 'prompts', 'resources'];
const NAME_RULE_KEYS = ['allow', 'deny'];
const ROLE_KEYS = ['allow', 'deny', 'read_only'];
const TOOL_KEYS = ['allow', 'deny', 'read_only', 'rename', 'describe', 'allow_empty', 'roles'];
const SERVER_WIDE_TOOL_KEYS = new Set(['rename', 'describe', 'allow_empty', 'roles']);

/**
 * Compiles a server's `tools`, `prompts` and `resources` blocks (as written in mcp_config.json,
 * see `GovernanceSettings`) into the rules applied to its messages. `undefined` or `{}` gives
 * rules that pass everything (`isEmpty`).
 *
 * Throws `RulesConfigError` (code `rules_invalid`) listing every problem, each with a JSON Pointer
 * into `settings`: unknown fields (a misspelt `deny` must not silently expose tools), patterns
 * that are empty or not strings, non-boolean flags, a rename to an empty or non-MCP tool name, to
 * itself, two tools renamed to one name, and a rename target that collides with a tool the rules
 * name exactly (in `allow`, `deny` or `describe`): rules and `describe` use the child's names, so
 * such an entry either names a tool the rename hides or was written with the new name by mistake.
 * A collision with a tool only a glob exposes cannot be known before the child lists its tools:
 * `nameConflicts` reports it then.
 */
export function compileRules(settings: GovernanceSettings | undefined): CompiledRules {
  const issues: RuleIssue[] = [];
  const root = readBlock(settings, '', TOP_KEYS, issues) ?? {};
  const tools = readBlock(root.tools, '/tools', TOOL_KEYS, issues) ?? {};
  const prompts = readNameFilter(root.prompts, '/prompts', issues);
  const resources = readNameFilter(root.resources, '/resources', issues);

  const baseFilter = readToolFilter(tools, '/tools', 'base', issues);
  const naming = readNaming(tools, issues);
  const allowEmpty = readBoolean(tools.allow_empty, '/tools/allow_empty', issues) ?? false;

  const roleFilters = new Map<string, ToolFilter | undefined>();
  const roles = readRecord(tools.roles, '/tools/roles', issues) ?? {};
  for (const [role, block] of Object.entries(roles)) {
    const path = `/tools/roles/${pointer(role)}`;
    if (role.trim() === '') issues.push({ path, message: 'a role name must not be empty' });
    const fields = readBlock(block, path, ROLE_KEYS, issues, serverWideHint) ?? {};
    roleFilters.set(role, readToolFilter(fields, path, `role ${JSON.stringify(role)}`, issues));
    if (block === undefined || block === null) issues.push({ path, message: 'a role needs an object of rules' });
  }

  checkCollisions(naming, [['/tools', baseFilter], ...roleFiltersWithPaths(roleFilters)], tools.describe, issues);
  if (issues.length > 0) throw new RulesConfigError(issues);

  const parts: Parts = { naming, filters: baseFilter ? [baseFilter] : [], prompts, resources, allowEmpty };
  const compiledRoles: Record<string, CompiledRules> = Object.create(null);
  for (const [role, filter] of roleFilters)
    compiledRoles[role] = new RuleSet({ ...parts, filters: filter ? [filter] : [] }, `role ${JSON.stringify(role)}`);
  return new RuleSet(parts, 'base', Object.freeze(compiledRoles));
}

/**
 * The union of several role rule sets, for `selectRules`: a tool passes when one member passes
 * it. Members must come from `base.roles` (they share its names and descriptions).
 * @internal
 */
export function unionOfRules(base: CompiledRules, members: readonly CompiledRules[], scope: string): CompiledRules {
  return RuleSet.union(base, members, scope);
}

function serverWideHint(key: string): string | undefined {
  return SERVER_WIDE_TOOL_KEYS.has(key)
    ? `"${key}" applies to every caller: set it in "tools", not in a role (a role has allow, deny and read_only)`
    : undefined;
}

function readBlock(
  value: unknown,
  path: string,
  keys: readonly string[],
  issues: RuleIssue[],
  hint: (key: string) => string | undefined = () => undefined,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    issues.push({ path, message: `expected an object, found ${describeType(value)}` });
    return undefined;
  }
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      issues.push({
        path: `${path}/${pointer(key)}`,
        message: hint(key) ?? `unknown field "${key}" (expected ${keys.map((k) => `"${k}"`).join(', ')})`,
      });
  return value;
}

function readNameFilter(value: unknown, path: string, issues: RuleIssue[]): NameFilter | undefined {
  const block = readBlock(value, path, NAME_RULE_KEYS, issues);
  if (block === undefined) return undefined;
  const allow = readPatterns(block.allow, `${path}/allow`, issues);
  const deny = readPatterns(block.deny, `${path}/deny`, issues);
  return allow === undefined && deny === undefined ? undefined : { allow, deny };
}

function readToolFilter(
  block: Record<string, unknown>,
  path: string,
  scope: string,
  issues: RuleIssue[],
): ToolFilter | undefined {
  const allow = readPatterns(block.allow, `${path}/allow`, issues);
  const deny = readPatterns(block.deny, `${path}/deny`, issues);
  const readOnly = readBoolean(block.read_only, `${path}/read_only`, issues) ?? false;
  return allow === undefined && deny === undefined && !readOnly ? undefined : { allow, deny, readOnly, scope };
}

function readPatterns(value: unknown, path: string, issues: RuleIssue[]): GlobList | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    issues.push({ path, message: `expected an array of names or patterns, found ${describeType(value)}` });
    return undefined;
  }
  const patterns: string[] = [];
  (value as unknown[]).forEach((pattern, index) => {
    const problem = globProblem(pattern);
    if (problem === undefined) patterns.push(pattern as string);
    else issues.push({ path: `${path}/${index}`, message: problem });
  });
  return new GlobList(patterns);
}

function readBoolean(value: unknown, path: string, issues: RuleIssue[]): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  issues.push({ path, message: `expected true or false, found ${describeType(value)}` });
  return undefined;
}

function readRecord(value: unknown, path: string, issues: RuleIssue[]): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (isRecord(value)) return value;
  issues.push({ path, message: `expected an object, found ${describeType(value)}` });
  return undefined;
}

function readNaming(tools: Record<string, unknown>, issues: RuleIssue[]): Naming {
  const toClient = new Map<string, string>();
  const toChild = new Map<string, string>();
  const descriptions = new Map<string, string>();

  for (const [from, to] of Object.entries(readRecord(tools.rename, '/tools/rename', issues) ?? {})) {
    const path = `/tools/rename/${pointer(from)}`;
    if (!checkExactName(from, path, 'rename', issues)) continue;
    if (typeof to !== 'string') {
      issues.push({ path, message: `expected the new name as a string, found ${describeType(to)}` });
    } else if (to === '') {
      issues.push({ path, message: `"${from}" cannot be renamed to an empty name` });
    } else if (to === from) {
      issues.push({ path, message: `"${from}" is renamed to itself: remove the entry` });
    } else if (!TOOL_NAME.test(to)) {
      issues.push({
        path,
        message: `${JSON.stringify(to)} is not a valid MCP tool name: 1 to 128 characters, each a letter A-Z or a-z, a digit, "_", "-" or "."`,
      });
    } else if (toChild.has(to)) {
      issues.push({
        path,
        message: `"${toChild.get(to)}" and "${from}" are both renamed to "${to}": clients could not tell them apart`,
      });
    } else {
      toClient.set(from, to);
      toChild.set(to, from);
    }
  }

  for (const [name, description] of Object.entries(readRecord(tools.describe, '/tools/describe', issues) ?? {})) {
    const path = `/tools/describe/${pointer(name)}`;
    if (!checkExactName(name, path, 'describe', issues)) continue;
    if (typeof description !== 'string')
      issues.push({ path, message: `expected the description as a string, found ${describeType(description)}` });
    else descriptions.set(name, description);
  }
  return { toClient, toChild, descriptions };
}

function checkExactName(name: string, path: string, field: string, issues: RuleIssue[]): boolean {
  if (name === '') {
    issues.push({ path, message: `${field} is keyed by tool names: a name must not be empty` });
    return false;
  }
  if (isGlob(name)) {
    issues.push({
      path,
      message: `${field} is keyed by a tool's exact name: "*" and "?" patterns are not supported here`,
    });
    return false;
  }
  return true;
}

function* roleFiltersWithPaths(
  filters: ReadonlyMap<string, ToolFilter | undefined>,
): Iterable<[string, ToolFilter | undefined]> {
  for (const [role, filter] of filters) yield [`/tools/roles/${pointer(role)}`, filter];
}

/** An exact rule naming a rename target that is not itself renamed: see `compileRules`. */
function checkCollisions(
  naming: Naming,
  filters: Iterable<[string, ToolFilter | undefined]>,
  describe: unknown,
  issues: RuleIssue[],
): void {
  const target = (name: string) => naming.toChild.has(name) && !naming.toClient.has(name);
  const explain = (name: string) =>
    `"${name}" is the name "${naming.toChild.get(name)}" is renamed to, but rules and describe use the child's tool names: write "${naming.toChild.get(name)}" to mean the renamed tool; a child's own tool "${name}" is hidden by that rename (rename "${naming.toChild.get(name)}" to another name to keep both)`;
  for (const [path, filter] of filters) {
    for (const list of ['allow', 'deny'] as const) {
      const patterns = filter?.[list]?.patterns ?? [];
      patterns.forEach((pattern, index) => {
        if (!isGlob(pattern) && target(pattern))
          issues.push({ path: `${path}/${list}/${index}`, message: explain(pattern) });
      });
    }
  }
  if (isRecord(describe))
    for (const name of Object.keys(describe))
      if (target(name)) issues.push({ path: `/tools/describe/${pointer(name)}`, message: explain(name) });
}

/** A key as a JSON Pointer segment (RFC 6901). */
function pointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
