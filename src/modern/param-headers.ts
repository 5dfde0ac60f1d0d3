import { isJsonObject as isObject } from '../protocol/jsonrpc.js';
import { ModernErrorCode } from '../protocol/modern.js';
import type { PooledChild } from './pooled-child.js';
import { decodeHeaderValue, type ModernRefusal } from './request-meta.js';

type Schema = Record<string, unknown>;

/** Where a tool's `x-mcp-header` annotations point: the property path and the header name part. */
export function headerAnnotations(inputSchema: unknown, path: string[] = []): { path: string[]; name: string }[] {
  if (!isObject(inputSchema) || !isObject(inputSchema.properties)) return [];
  const found: { path: string[]; name: string }[] = [];
  for (const [property, schema] of Object.entries(inputSchema.properties)) {
    if (!isObject(schema)) continue;
    if (typeof schema['x-mcp-header'] === 'string')
      found.push({ path: [...path, property], name: schema['x-mcp-header'] });
    found.push(...headerAnnotations(schema, [...path, property]));
  }
  return found;
}

/**
 * The revision's check of `Mcp-Param-{Name}` headers against the tool's arguments: a value in
 * the body must be mirrored in its header (decoded, numbers compared as numbers); a header
 * whose value is malformed is refused. Undefined when the request passes.
 */
export function checkParamHeaders(
  headers: Headers,
  params: Record<string, unknown>,
  inputSchema: Schema | undefined,
): ModernRefusal | undefined {
  if (!inputSchema) return undefined;
  const args = isObject(params.arguments) ? params.arguments : {};
  for (const { path, name } of headerAnnotations(inputSchema)) {
    let value: unknown = args;
    for (const step of path) value = isObject(value) ? value[step] : undefined;
    const header = headers.get(`mcp-param-${name}`);
    if (header === null) {
      if (value === undefined || value === null) continue;
      return mismatch(
        `the Mcp-Param-${name} header is required: the tool mirrors argument "${path.join('.')}" into it`,
      );
    }
    const decoded = decodeHeaderValue(header);
    if (decoded === undefined)
      return mismatch(`the Mcp-Param-${name} header is malformed (invalid characters or base64)`);
    if (value === undefined || value === null)
      return mismatch(`the Mcp-Param-${name} header is set but argument "${path.join('.')}" is absent`);
    if (!sameValue(decoded, value))
      return mismatch(`Mcp-Param-${name} header value does not match argument "${path.join('.')}"`);
  }
  return undefined;
}

function sameValue(header: string, value: unknown): boolean {
  if (typeof value === 'number') return header.trim() !== '' && Number(header) === value;
  if (typeof value === 'boolean') return header === String(value);
  return header === String(value);
}

function mismatch(detail: string): ModernRefusal {
  return { status: 400, code: ModernErrorCode.HeaderMismatch, message: `Header mismatch: ${detail}` };
}

/** Tools' input schemas per server, from the children's `tools/list`, forgotten when the list changes. */
export class ToolSchemas {
  private readonly byServer = new Map<string, Map<string, Schema>>();

  forget(server: string): void {
    this.byServer.delete(server);
  }

  async toolFor(child: PooledChild, name: string): Promise<Schema | undefined> {
    let tools = this.byServer.get(child.server.name);
    if (!tools?.has(name)) {
      tools = await this.list(child);
      this.byServer.set(child.server.name, tools);
    }
    return tools.get(name);
  }

  private async list(child: PooledChild): Promise<Map<string, Schema>> {
    const tools = new Map<string, Schema>();
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const response = await child.request(
        'tools/list',
        cursor ? { cursor } : undefined,
        child.server.requestTimeoutMs,
      );
      const result = response.result as
        | { tools?: { name?: unknown; inputSchema?: unknown }[]; nextCursor?: unknown }
        | undefined;
      for (const tool of result?.tools ?? [])
        if (typeof tool.name === 'string' && isObject(tool.inputSchema)) tools.set(tool.name, tool.inputSchema);
      if (typeof result?.nextCursor !== 'string' || result.nextCursor === '') break;
      cursor = result.nextCursor;
    }
    return tools;
  }
}
