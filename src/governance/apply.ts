import type { Logger } from '../observability/logger.js';
import { telemetry } from '../observability/telemetry.js';
import { errorResponse, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.js';
import { selectRules } from './roles.js';
import type { CompiledRules } from './tool-rules.js';
import type { Tool, ToolAnnotations } from './types.js';

/**
 * Where a server's rules meet the wire: requests that name a tool, prompt or resource are checked
 * (and a renamed tool's name mapped back to the child's) before they reach the child, and list
 * results are filtered on their way to the client. Both protocol eras call these with the same
 * rules, so a 2025-11-25 session and a 2026-07-28 request see the same server.
 */

/** What to do with a client's request. */
export type Governed =
  | { pass: true; request: JsonRpcRequest }
  | { pass: false; response: JsonRpcResponse; rule: string; subject: string };

/**
 * The rules a caller gets: the server's, or those of the roles its verified token holds (`roles`
 * claim or scopes, as `VerifiedCaller.scopes` has them; none for function-key callers).
 */
export function rulesFor(base: CompiledRules, callerRoles: readonly string[] | undefined): CompiledRules {
  if (base.isEmpty || Object.keys(base.roles).length === 0) return base;
  return selectRules(base, callerRoles);
}

/**
 * Tool annotations as the child last listed them, per server (child names): `read_only` decides
 * on `readOnlyHint`, and a client may call a tool without listing first (or on another instance).
 * Forgotten when the child says its list changed.
 */
export class ToolCatalog {
  private readonly byServer = new Map<string, Map<string, ToolAnnotations | undefined>>();

  /**
   * Lists every page of a child's tools (at most 50) into the catalog, through `request` (the
   * adapter's own request to that child, either era's), so a call made before any listing can be
   * judged by its annotations.
   */
  async learn(
    server: string,
    request: (params: { cursor: string } | undefined) => Promise<Pick<JsonRpcResponse, 'result'>>,
  ): Promise<void> {
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const response = await request(cursor ? { cursor } : undefined);
      const result = response.result as { tools?: unknown; nextCursor?: unknown } | undefined;
      this.remember(server, result?.tools);
      if (typeof result?.nextCursor !== 'string' || result.nextCursor === '') return;
      cursor = result.nextCursor;
    }
  }

  /** Adds what one page of a child's `tools/list` says. */
  remember(server: string, tools: unknown): void {
    if (!Array.isArray(tools)) return;
    let known = this.byServer.get(server);
    if (!known) {
      known = new Map();
      this.byServer.set(server, known);
    }
    for (const tool of tools as Tool[])
      if (typeof tool?.name === 'string') known.set(tool.name, tool.annotations ?? undefined);
  }

  has(server: string, childName: string): boolean {
    return this.byServer.get(server)?.has(childName) ?? false;
  }

  annotationsOf(server: string, childName: string): ToolAnnotations | undefined {
    return this.byServer.get(server)?.get(childName);
  }

  forget(server: string): void {
    this.byServer.delete(server);
  }
}

/** Methods whose requests name something rules may hide. */
const GOVERNED = new Set([
  'tools/call',
  'prompts/get',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
]);

/** Whether a request of this method needs the child's tool annotations first (read-only rules). */
export function needsAnnotations(rules: CompiledRules, request: JsonRpcRequest, server: string, catalog: ToolCatalog) {
  if (request.method !== 'tools/call' || !rules.usesAnnotations) return false;
  const name = request.params?.name;
  if (typeof name !== 'string') return false;
  const childName = rules.childToolName(name);
  return childName !== undefined && !catalog.has(server, childName);
}

/** Checks a client's request against the rules; a passing `tools/call` carries the child's tool name. */
export function governRequest(
  rules: CompiledRules,
  server: string,
  request: JsonRpcRequest,
  catalog: ToolCatalog,
): Governed {
  if (rules.isEmpty || !GOVERNED.has(request.method)) return { pass: true, request };
  const params = request.params ?? {};
  const refuse = (check: { rule: string; message: string; code: number }, subject: string): Governed => ({
    pass: false,
    response: errorResponse(request.id, check.code, check.message),
    rule: check.rule,
    subject,
  });
  if (request.method === 'tools/call') {
    const name = typeof params.name === 'string' ? params.name : '';
    const childName = rules.childToolName(name);
    const check = rules.checkToolCall(
      name,
      childName === undefined ? undefined : catalog.annotationsOf(server, childName),
    );
    if (!check.ok) return refuse(check, `tool ${JSON.stringify(name)}`);
    if (check.childName === name) return { pass: true, request };
    return { pass: true, request: { ...request, params: { ...params, name: check.childName } } };
  }
  if (request.method === 'prompts/get') {
    const name = typeof params.name === 'string' ? params.name : '';
    const check = rules.checkPrompt(name);
    return check.ok ? { pass: true, request } : refuse(check, `prompt ${JSON.stringify(name)}`);
  }
  if (request.method === 'completion/complete') {
    const ref = (params.ref ?? {}) as { type?: unknown; name?: unknown; uri?: unknown };
    if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
      const check = rules.checkPrompt(ref.name);
      return check.ok ? { pass: true, request } : refuse(check, `prompt ${JSON.stringify(ref.name)}`);
    }
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const check = rules.checkResourceRead(ref.uri);
      return check.ok ? { pass: true, request } : refuse(check, `resource ${JSON.stringify(ref.uri)}`);
    }
    return { pass: true, request };
  }
  const uri = typeof params.uri === 'string' ? params.uri : '';
  const check = rules.checkResourceRead(uri);
  return check.ok ? { pass: true, request } : refuse(check, `resource ${JSON.stringify(uri)}`);
}

/**
 * Whether a child's notification names something the server's rules hide (an update of a hidden
 * resource): such a notification is dropped, so clients learn nothing of what they may not read.
 * Resource rules are server-wide (never per role), so the server's own rules decide.
 */
export function hidesNotification(rules: CompiledRules, method: string, params: unknown): boolean {
  if (rules.isEmpty || method !== 'notifications/resources/updated') return false;
  const uri = (params as { uri?: unknown } | undefined)?.uri;
  return typeof uri === 'string' && !rules.checkResourceRead(uri).ok;
}

/** What `governResult` needs to know beyond the result. */
export interface ResultContext {
  /** The request asked for the first page (no cursor): with no next page, the result is the child's whole list. */
  firstPage?: boolean;
  /** Told when rules hide every tool of a child's whole list (and `allow_empty` is not set). */
  audit?: RuleAudit;
}

/** A child's result on its way to the client: lists show only what is exposed, under the names clients see. */
export function governResult(
  rules: CompiledRules,
  server: string,
  method: string,
  result: unknown,
  catalog: ToolCatalog,
  context: ResultContext = {},
): unknown {
  if (typeof result !== 'object' || result === null) return result;
  if (method === 'tools/list') {
    // Remembered before filtering: annotations are the child's, under the child's names.
    const tools = (result as { tools?: unknown }).tools;
    catalog.remember(server, tools);
    if (!rules.hasToolRules) return result;
    const whole = context.firstPage === true && (result as { nextCursor?: unknown }).nextCursor === undefined;
    // Fail closed, loudly: rules that leave nothing of the child's real list (a glob that matches
    // no tool) expose nothing, and the operator is told; `allow_empty` says it is meant.
    if (whole && !rules.allowEmpty && Array.isArray(tools) && tools.length > 0 && rules.leavesNothing(tools as Tool[]))
      context.audit?.leftNothing(server, tools.length);
    return rules.filterToolsList(result as never);
  }
  if (rules.isEmpty) return result;
  if (method === 'prompts/list') return rules.filterPromptsList(result as never);
  if (method === 'resources/list') return rules.filterResourcesList(result as never);
  if (method === 'resources/templates/list') return rules.filterResourceTemplatesList(result as never);
  return result;
}

/**
 * Refusals: one log line each (principal, server, what was asked, the rule; never arguments), a
 * telemetry counter, and a count per server for `/status`.
 */
export class RuleAudit {
  private readonly counts = new Map<string, number>();
  private readonly emptied = new Set<string>();

  constructor(private readonly logger: Logger) {}

  refused(server: string, principal: string, method: string, subject: string, rule: string): void {
    this.counts.set(server, (this.counts.get(server) ?? 0) + 1);
    telemetry.ruleRefused(server, method);
    this.logger.warn('refused by rule', { server, principal, method, subject, rule });
  }

  /** A server's tool rules hide every tool its child lists: logged once per server, and kept for `/status`. */
  leftNothing(server: string, childTools: number): void {
    if (this.emptied.has(server)) return;
    this.emptied.add(server);
    this.logger.error(
      'tool rules hide every tool the child lists: clients see none (fix the allow/deny globs, or set "allow_empty": true if that is meant)',
      { server, childTools },
    );
  }

  /** Refusals since start, per server (only servers with any). */
  refusals(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Servers whose tool rules left none of their child's tools. */
  serversLeftEmpty(): string[] {
    return [...this.emptied];
  }
}
