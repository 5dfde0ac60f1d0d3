import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load-config.js';
import { startNodeHost, type RunningNodeHost } from '../../src/adapter/node/node-host.js';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import { createChildCredentialProvider } from '../../src/auth/child-credential-provider.js';
import { createVerifierRegistry } from '../../src/auth/verifier-registry.js';
import type { SharedSessionStore } from '../../src/state/shared-store.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtureServers = path.join(repoRoot, 'tests/fixtures/servers');
export const nodeFixture = path.join(fixtureServers, 'node-fixture.mjs');
export const pythonFixture = path.join(fixtureServers, 'python_fixture.py');

export interface TestAdapter extends RunningNodeHost {
  logs: LogFields[];
  /** URL of one server's endpoint. */
  endpoint(server?: string): URL;
}

/**
 * Starts the real adapter (node:http host) on 127.0.0.1 with an ephemeral port, from a config
 * document written to a temporary file, exactly as `npm start` would load it.
 */
export interface StartAdapterOptions {
  hostEnv?: NodeJS.ProcessEnv;
  /** Turns on token verification and child credentials, with these adapter settings (MCP_ADAPTER_*). */
  authEnv?: NodeJS.ProcessEnv;
  /** Shares ended sessions with other instances. */
  store?: SharedSessionStore;
  storePollMs?: number;
  /** For child credentials: TLS and other options of the Entra requests (test CA). */
  oboOverrides?: Parameters<typeof createChildCredentialProvider>[0]['oboOverrides'];
  /** How long a client may take to send a whole request (the host's default: 30 s). */
  requestReceiveTimeoutMs?: number;
  /** Which servers this instance serves (MCP_ADAPTER_APP_ROLE on Azure). */
  placement?: Parameters<typeof startNodeHost>[0]['placement'];
}

export async function startAdapter(configDocument: unknown, options: StartAdapterOptions = {}): Promise<TestAdapter> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-adapter-test-'));
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify(configDocument, null, 2));
  const { config } = loadConfigFile(file, { resolveFrom: options.hostEnv ?? process.env });
  const logs: LogFields[] = [];
  const logger = createLogger({ level: 'debug', sink: (record) => logs.push(record) });
  const auth = options.authEnv
    ? {
        verifierFor: createVerifierRegistry({ env: options.authEnv }),
        childCredentials: createChildCredentialProvider({
          env: options.authEnv,
          deployed: true,
          logger,
          oboOverrides: options.oboOverrides,
        }),
      }
    : {};
  const running = await startNodeHost({
    config,
    logger,
    port: 0,
    host: '127.0.0.1',
    hostEnv: options.hostEnv,
    store: options.store,
    storePollMs: options.storePollMs,
    requestReceiveTimeoutMs: options.requestReceiveTimeoutMs,
    placement: options.placement,
    ...auth,
  });
  return {
    ...running,
    logs,
    endpoint: (server) => new URL(server ? `/mcp/${server}` : '/mcp', running.url),
  };
}

/** A config entry running the Node fixture server with the given flags. */
export function nodeFixtureServer(flags: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: process.execPath, args: [nodeFixture, ...flags], ...extra };
}

export function pythonFixtureServer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: 'python3', args: [pythonFixture], ...extra };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export function initializeBody(id: number | string = 1, protocolVersion = '2025-11-25'): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-test', version: '1.0.0' } },
  });
}

/** Opens a session with raw HTTP and returns its id. */
export async function openRawSession(endpoint: URL, protocolVersion = '2025-11-25'): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: initializeBody(1, protocolVersion),
  });
  if (response.status !== 200) throw new Error(`initialize failed: ${response.status} ${await response.text()}`);
  await response.text();
  const id = response.headers.get('mcp-session-id');
  if (!id) throw new Error('no session id');
  await fetch(endpoint, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': protocolVersion },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return id;
}
