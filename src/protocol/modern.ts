/**
 * The vocabulary of MCP revision 2026-07-28 ("modern" in the spec's versioning page): no
 * sessions and no `initialize`; every request carries its protocol version and the client's
 * capabilities in `params._meta`, and server-to-client requests travel inside results
 * (multi round-trip requests, `resultType: "input_required"`).
 */

/** Modern revisions this adapter serves. Legacy ones are served through sessions (`versions.ts`). */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];
export const LATEST_MODERN_VERSION = '2026-07-28';

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** Error codes the revision defines (`basic/index#error-codes`). */
export const ModernErrorCode = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

/** Methods the revision removed: answered 404 / -32601 on the modern path. */
export const REMOVED_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** The only requests whose results may be `input_required` (`basic/patterns/mrtr#supported-requests`). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Requests whose `Mcp-Name` header mirrors `params.name` or `params.uri`. */
export const NAMED_METHODS: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** Results that must carry `ttlMs` and `cacheScope` (`server/utilities/caching`). */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** Server-to-client requests a legacy child may send, and the client capability each needs. */
export const INPUT_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether `version` names a modern revision (a date at or after 2026-07-28), known to us or not. */
export function isModernVersionString(version: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(version) ? version >= '2026-07-28' : true;
}
