import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { StdioChild } from '../process/stdio-child.js';
import { isResponse, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.js';
import { ChildStartError } from './errors.js';

/**
 * Sends `initialize` to a child that just started and resolves with its answer. Rejects with a
 * `ChildStartError` naming the server when it exits first or stays silent past
 * `startup_timeout_seconds` (with a framing hint: a child that reads only Content-Length never
 * sees a newline-delimited request). Anything the child says before its answer is dropped.
 */
export function initializeChild(
  child: StdioChild,
  server: ServerConfig,
  request: JsonRpcRequest,
  logger: Logger,
): Promise<JsonRpcResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const hint =
        server.framing === 'auto'
          ? ' If it expects Content-Length framing on stdin, set "framing": "content-length".'
          : '';
      reject(
        new ChildStartError(
          `MCP server "${server.name}" did not answer initialize within ${server.startupTimeoutMs / 1000} s.${hint}`,
          'timeout',
        ),
      );
    }, server.startupTimeoutMs);
    child.onMessage = (message) => {
      if (isResponse(message) && message.id === request.id) {
        clearTimeout(timer);
        resolve(message);
      } else {
        logger.debug('dropped a child message sent before its initialize answer', { server: server.name });
      }
    };
    void child.exited.then((info) => {
      clearTimeout(timer);
      const detail = info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
      reject(
        new ChildStartError(
          `MCP server "${server.name}" exited during startup (${detail}); its stderr is in the adapter log`,
          'exited',
        ),
      );
    });
    child.send(request);
  });
}
