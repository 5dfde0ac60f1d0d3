import { AdapterError } from '../errors/adapter-error.js';

/** The instance, the server or the user is at a cap on children; the client should retry later (503). */
export class CapacityError extends AdapterError {
  declare readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { code: 'capacity_exceeded', httpStatus: 503, retryAfterSeconds });
  }
}

/**
 * The child could not be brought up to an initialized MCP server: it was not found, exited,
 * or did not answer `initialize` in time. `kind` decides the HTTP status (504 for a timeout, else 502).
 */
export class ChildStartError extends AdapterError {
  constructor(
    message: string,
    readonly kind: 'not_found' | 'spawn_failed' | 'exited' | 'timeout',
    options: { cause?: unknown } = {},
  ) {
    super(message, { code: 'server_start_failed', httpStatus: kind === 'timeout' ? 504 : 502, cause: options.cause });
  }
}
