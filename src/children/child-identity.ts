import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { StdioChild } from '../process/stdio-child.js';
import { adapterRequestId, isResponse } from '../protocol/jsonrpc.js';
import { LATEST_MODERN_VERSION, META, MODERN_PROTOCOL_VERSIONS } from '../protocol/modern.js';
import { ChildStartError } from './errors.js';
import { initializeChild } from './initialize-child.js';

/**
 * The two eras of MCP revisions, as the specification's versioning page names them: `legacy`
 * revisions (2025-11-25 and earlier) open a session with `initialize`; `modern` ones
 * (2026-07-28) have no session and carry the protocol version and client capabilities in every
 * request's `_meta`.
 */
export type Era = 'legacy' | 'modern';

/** What a child declared about itself, from `initialize` (legacy) or `server/discover` (modern). */
export interface ChildIdentity {
  era: Era;
  capabilities: Record<string, unknown>;
  serverInfo?: { name: string; version: string; [key: string]: unknown };
  instructions?: string;
  /** The revision the child negotiated (legacy) or the modern revision it serves. */
  protocolVersion: string;
}

/** The adapter's identity towards children it initializes on clients' behalf. */
export const ADAPTER_CLIENT_INFO = { name: 'mcp-stdio-adapter', version: '0.1.0' };
/** The legacy revision the adapter asks for when it initializes a child on clients' behalf. */
const LEGACY_VERSION = '2025-11-25';

/**
 * The stdio binding's era probe: `server/discover` first; a result naming a revision the adapter
 * serves means a modern child, anything else (an error, silence until `timeoutMs`) a legacy one.
 * `exited` when the child exited instead of answering (some legacy servers exit on any request
 * before `initialize`): the caller needs a fresh child.
 */
export function discoverEra(
  child: StdioChild,
  capabilities: Record<string, unknown>,
  timeoutMs: number,
): Promise<ChildIdentity | undefined | 'exited'> {
  const id = adapterRequestId('discover');
  const request = {
    jsonrpc: '2.0',
    id,
    method: 'server/discover',
    params: {
      _meta: {
        [META.protocolVersion]: LATEST_MODERN_VERSION,
        [META.clientCapabilities]: capabilities,
        [META.clientInfo]: ADAPTER_CLIENT_INFO,
      },
    },
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    void child.exited.then(() => {
      clearTimeout(timer);
      resolve('exited');
    });
    child.onMessage = (message) => {
      if (!isResponse(message) || message.id !== id) return;
      clearTimeout(timer);
      const result = message.result as
        | {
            supportedVersions?: unknown;
            capabilities?: Record<string, unknown>;
            instructions?: string;
            _meta?: Record<string, unknown>;
            serverInfo?: ChildIdentity['serverInfo'];
          }
        | undefined;
      const versions = Array.isArray(result?.supportedVersions) ? (result.supportedVersions as string[]) : [];
      const served = versions.find((version) => MODERN_PROTOCOL_VERSIONS.includes(version));
      if (!result || !served) return resolve(undefined);
      resolve({
        era: 'modern',
        capabilities: result.capabilities ?? {},
        serverInfo: (result._meta?.[META.serverInfo] as ChildIdentity['serverInfo']) ?? result.serverInfo,
        ...(typeof result.instructions === 'string' && { instructions: result.instructions }),
        protocolVersion: served,
      });
    };
    child.send(request);
  });
}

/**
 * The legacy handshake on clients' behalf (the modern era has no `initialize`; a legacy child
 * needs one before it serves anything): `initialize` with the given capability profile, then
 * `notifications/initialized`.
 */
export async function initializeOnBehalf(
  child: StdioChild,
  server: ServerConfig,
  capabilities: Record<string, unknown>,
  logger: Logger,
): Promise<ChildIdentity> {
  const request = {
    jsonrpc: '2.0' as const,
    id: adapterRequestId('initialize'),
    method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities, clientInfo: ADAPTER_CLIENT_INFO },
  };
  const response = await initializeChild(child, server, request, logger);
  if (response.error)
    throw new ChildStartError(`MCP server "${server.name}" refused initialize: ${response.error.message}`, 'exited');
  const result = response.result as
    | {
        protocolVersion?: string;
        capabilities?: Record<string, unknown>;
        serverInfo?: ChildIdentity['serverInfo'];
        instructions?: string;
      }
    | undefined;
  child.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    era: 'legacy',
    capabilities: result?.capabilities ?? {},
    ...(result?.serverInfo && { serverInfo: result.serverInfo }),
    ...(typeof result?.instructions === 'string' && { instructions: result.instructions }),
    protocolVersion: result?.protocolVersion ?? LEGACY_VERSION,
  };
}
