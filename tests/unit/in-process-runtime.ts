/**
 * The adapter composed in-process (`createRuntime`, no socket, no host) from a config document
 * loaded the way `npm start` loads it, and a small 2025-era client calling it with `fetch`-style
 * Requests: what the session unit tests drive real sessions, children and sealed ids with.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../src/config/load-config.js';
import type { ServerConfig } from '../../src/config/model.js';
import type { JsonRpcRequest } from '../../src/protocol/jsonrpc.js';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/create-runtime.js';
import { LocalTombstones, type SharedSessionStore } from '../../src/state/shared-store.js';
import { nodeFixtureServer } from '../helpers/adapter.js';

export interface TestRuntime extends Runtime {
  logs: LogFields[];
  server(name: string): ServerConfig;
}

/**
 * A runtime serving `servers`, each the Node fixture with these extra settings (and `flags`, the
 * fixture's command-line flags), bound to loopback.
 */
export function startRuntime(
  servers: Record<string, Record<string, unknown>>,
  options: Partial<RuntimeOptions> = {},
): TestRuntime {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-unit-runtime-'));
  const file = path.join(dir, 'mcp_config.json');
  const mcpServers = Object.fromEntries(
    Object.entries(servers).map(([name, { flags, ...extra }]) => [name, nodeFixtureServer(flags as string[], extra)]),
  );
  writeFileSync(file, JSON.stringify({ mcpServers }));
  const { config } = loadConfigFile(file, { resolveFrom: process.env });
  const logs: LogFields[] = [];
  const runtime = createRuntime(config, {
    logger: createLogger({ level: 'debug', sink: (record) => logs.push(record) }),
    boundToLoopback: true,
    ...options,
  });
  return { ...runtime, logs, server: (name) => config.servers.get(name)! };
}

export interface RpcAnswer {
  status: number;
  sessionId: string | null;
  message: { result?: Record<string, unknown>; error?: { code: number; message: string } } | undefined;
}

const VERSION = '2025-11-25';

/** A 2025-11-25 client of one server's endpoint on `runtime`. */
export class SessionClient {
  private nextId = 1;
  constructor(
    private readonly runtime: Pick<Runtime, 'fetch'>,
    private readonly server: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Opens a session; its id. */
  async initialize(): Promise<string> {
    const answer = await this.post(undefined, {
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'initialize',
      params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'unit', version: '1' } },
    });
    if (answer.status !== 200 || !answer.sessionId) throw new Error(`initialize answered ${answer.status}`);
    await this.post(answer.sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' });
    return answer.sessionId;
  }

  request(sessionId: string, method: string, params?: Record<string, unknown>): Promise<RpcAnswer> {
    return this.post(sessionId, { jsonrpc: '2.0', id: this.nextId++, method, ...(params && { params }) });
  }

  /** The pid of the session's child (the fixture's `slow_pid` tool, after `ms`), or the answer when it is not one. */
  async pid(sessionId: string, ms = 0): Promise<number | RpcAnswer> {
    const answer = await this.request(sessionId, 'tools/call', { name: 'slow_pid', arguments: { ms } });
    const text = (answer.message?.result?.content as Array<{ text: string }> | undefined)?.[0]?.text;
    return answer.status === 200 && text ? Number(text) : answer;
  }

  async delete(sessionId: string): Promise<number> {
    const response = await this.runtime.fetch(
      new Request(this.url, { method: 'DELETE', headers: this.requestHeaders(sessionId) }),
    );
    await response.text();
    return response.status;
  }

  private get url(): string {
    return `http://localhost/mcp/${this.server}`;
  }

  private requestHeaders(sessionId: string | undefined): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(sessionId && { 'mcp-session-id': sessionId, 'mcp-protocol-version': VERSION }),
      ...this.headers,
    };
  }

  private async post(sessionId: string | undefined, body: unknown): Promise<RpcAnswer> {
    const response = await this.runtime.fetch(
      new Request(this.url, { method: 'POST', headers: this.requestHeaders(sessionId), body: JSON.stringify(body) }),
    );
    const text = await response.text();
    const data = (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .filter((line) => line !== '')
          .at(-1)
      : text;
    return {
      status: response.status,
      sessionId: response.headers.get('mcp-session-id'),
      message: data ? (JSON.parse(data) as RpcAnswer['message']) : undefined,
    };
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds or `ms` pass; whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(25);
  }
  return check();
}

/** A client's `initialize`, with a param that is not kept in the session id. */
export const INITIALIZE: JsonRpcRequest = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: { roots: {} },
    clientInfo: { name: 'unit', version: '1' },
    extra: 'not kept',
  },
};

/** Log lines of one session (its logger names the last 8 characters of the id). */
export const logsOf = (runtime: TestRuntime, id: string, message: string) =>
  runtime.logs.filter((log) => log.session === id.slice(-8) && log.message === message);

/** `child started` lines of one server. */
export const childStarts = (runtime: TestRuntime, server: string) =>
  runtime.logs.filter((log) => log.message === 'child started' && log.server === server).length;

/**
 * The shared store's contract in memory, ended sessions and last use alike, as the instances of
 * one deployment share it (the deployed one is Azure Table storage); what was recorded is kept.
 */
export class MemoryStore extends LocalTombstones implements SharedSessionStore {
  readonly activity = new Map<string, number>();
  readonly recorded: Array<{ id: string; at: number; expiresAt: number }> = [];

  async recordActivity(id: string, at: number, expiresAt: number): Promise<void> {
    this.recorded.push({ id, at, expiresAt });
    this.activity.set(id, at);
  }

  async lastActivity(id: string): Promise<number | undefined> {
    return this.activity.get(id);
  }
}
