import type { AdapterConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { CommandNotFoundError } from '../process/resolve-command.js';
import { SpawnError, StdioChild } from '../process/stdio-child.js';
import { isResponse, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.js';
import { CapacityError, ChildStartError } from './errors.js';
import { ANONYMOUS, Session, type EndReason, type Principal } from './session.js';
import { mintSessionId } from './session-id.js';
import type { VerifiedCaller } from '../auth/types.js';
import { noChildCredentials, type ChildCredentialProvider, type ChildCredentials } from './child-credentials.js';
import { telemetry } from '../observability/telemetry.js';

export interface ServerStats {
  sessions: number;
  childrenAlive: number;
}

/**
 * Owns every session on this instance: creates them (child spawn and `initialize`), looks them
 * up for the right server and principal only, enforces the per-server and per-instance caps,
 * and drains them all on shutdown so that no child outlives the host.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  /** Sessions being started count against the caps too, or a burst could overshoot them. */
  private readonly starting = new Map<string, number>();
  private readonly startingByPrincipal = new Map<string, number>();
  private draining = false;

  constructor(
    private readonly config: AdapterConfig,
    logger: Logger,
    private readonly hostEnv: NodeJS.ProcessEnv = process.env,
    private readonly childCredentials: ChildCredentialProvider = noChildCredentials,
  ) {
    this.logger = logger.child({ component: 'session' });
  }

  private readonly logger: Logger;

  /**
   * Starts a child for `server`, forwards the client's `initialize` and waits for its answer.
   * Resolves with the session (absent when the child answered with an error, in which case the
   * child is already shut down) and the child's response to pass back to the client.
   */
  async open(
    server: ServerConfig,
    principal: Principal,
    initialize: JsonRpcRequest,
    caller?: VerifiedCaller,
  ): Promise<{ session?: Session; response: JsonRpcResponse }> {
    this.reserve(server, principal);
    let child: StdioChild | undefined;
    let credentials: ChildCredentials | undefined;
    const id = mintSessionId();
    const logger = this.logger.child({ server: server.name, session: id.slice(0, 8) });
    try {
      credentials = await this.childCredentials(server, caller);
      child = await this.spawn(server, logger, credentials.env);
      const response = await this.initialize(child, server, initialize);
      if (response.error) {
        logger.warn('child refused initialize', { error: response.error.message });
        await child.close();
        await credentials.close();
        return { response };
      }
      const version = (response.result as { protocolVersion?: string } | undefined)?.protocolVersion ?? '2025-03-26';
      const release = credentials.close.bind(credentials);
      const session = new Session(id, server, principal, child, version, logger, (ended, reason) => this.ended(ended, reason), release);
      if (credentials.updateCaller) session.onCaller = credentials.updateCaller.bind(credentials);
      this.sessions.set(id, session);
      telemetry.sessionStarted(server.name);
      logger.info('session started', { pid: child.pid, protocolVersion: version });
      return { session, response };
    } catch (error) {
      await child?.close();
      await credentials?.close();
      throw error;
    } finally {
      this.release(server, principal);
    }
  }

  /** The live session with this id, if it belongs to this server and principal. */
  find(id: string, server: ServerConfig, principal: Principal): Session | undefined {
    const session = this.sessions.get(id);
    if (!session || session.isEnded || session.server.name !== server.name || session.principal !== principal) return undefined;
    return session;
  }

  /** Ends every session and waits until every child is gone. New sessions are refused from now on. */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.sessions.values()].map((session) => session.end('shutdown')));
  }

  stats(): Record<string, ServerStats> {
    const stats: Record<string, ServerStats> = {};
    for (const name of this.config.servers.keys()) stats[name] = { sessions: 0, childrenAlive: 0 };
    for (const session of this.sessions.values()) {
      const entry = stats[session.server.name]!;
      entry.sessions += 1;
      if (session.childAlive) entry.childrenAlive += 1;
    }
    return stats;
  }

  get size(): number {
    return this.sessions.size;
  }

  private reserve(server: ServerConfig, principal: Principal): void {
    if (this.draining) throw new CapacityError('The adapter is shutting down', 5);
    const startingTotal = [...this.starting.values()].reduce((a, b) => a + b, 0);
    if (this.sessions.size + startingTotal >= this.config.adapter.maxSessions) {
      throw new CapacityError(`This instance is at its limit of ${this.config.adapter.maxSessions} sessions`, 10);
    }
    const forServer = [...this.sessions.values()].filter((s) => s.server.name === server.name).length + (this.starting.get(server.name) ?? 0);
    if (forServer >= server.sessions.maxConcurrent) {
      throw new CapacityError(`MCP server "${server.name}" is at its limit of ${server.sessions.maxConcurrent} concurrent sessions`, 10);
    }
    const principalKey = `${server.name}\u0000${principal}`;
    const forPrincipal =
      [...this.sessions.values()].filter((s) => s.server.name === server.name && s.principal === principal).length + (this.startingByPrincipal.get(principalKey) ?? 0);
    // Function-key and open endpoints cannot tell callers apart: the per-server cap is their limit.
    if (principal !== ANONYMOUS && forPrincipal >= server.sessions.maxPerPrincipal) {
      throw new CapacityError(`You have ${forPrincipal} sessions with MCP server "${server.name}", the most one user may hold; end one (DELETE) or wait for it to expire`, 30);
    }
    this.starting.set(server.name, (this.starting.get(server.name) ?? 0) + 1);
    this.startingByPrincipal.set(principalKey, (this.startingByPrincipal.get(principalKey) ?? 0) + 1);
  }

  private release(server: ServerConfig, principal: Principal): void {
    this.starting.set(server.name, (this.starting.get(server.name) ?? 1) - 1);
    const principalKey = `${server.name}\u0000${principal}`;
    const left = (this.startingByPrincipal.get(principalKey) ?? 1) - 1;
    if (left === 0) this.startingByPrincipal.delete(principalKey);
    else this.startingByPrincipal.set(principalKey, left);
  }

  private async spawn(server: ServerConfig, logger: Logger, extraEnv: Record<string, string>): Promise<StdioChild> {
    try {
      const child = await StdioChild.start({ server, logger: logger.child({ component: 'process' }), hostEnv: this.hostEnv, shutdownGraceMs: this.config.adapter.shutdownGraceMs, extraEnv });
      telemetry.childStarted(server.name);
      void child.exited.then((info) => telemetry.childExited(server.name, info.signal ?? `code ${info.code}`));
      return child;
    } catch (error) {
      if (error instanceof CommandNotFoundError) throw new ChildStartError(error.message, 'not_found');
      if (error instanceof SpawnError) throw new ChildStartError(error.message, 'spawn_failed');
      throw error;
    }
  }

  private initialize(child: StdioChild, server: ServerConfig, request: JsonRpcRequest): Promise<JsonRpcResponse> {
    return new Promise((resolve, reject) => {
      const seconds = server.startupTimeoutMs / 1000;
      const timer = setTimeout(() => {
        const hint = server.framing === 'auto' ? ' If it expects Content-Length framing on stdin, set "framing": "content-length".' : '';
        reject(new ChildStartError(`MCP server "${server.name}" did not answer initialize within ${seconds} s.${hint}`, 'timeout'));
      }, server.startupTimeoutMs);
      child.onMessage = (message) => {
        if (isResponse(message) && message.id === request.id) {
          clearTimeout(timer);
          resolve(message);
        }
      };
      void child.exited.then((info) => {
        clearTimeout(timer);
        const detail = info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
        reject(new ChildStartError(`MCP server "${server.name}" exited during startup (${detail}); its stderr is in the adapter log`, 'exited'));
      });
      child.send(request);
    });
  }

  private ended(session: Session, reason: EndReason): void {
    this.sessions.delete(session.id);
    telemetry.sessionEnded(session.server.name, reason);
  }
}
