/** The instance or the server is at its session cap; the client should retry later. */
export class CapacityError extends Error {
  readonly code = 'capacity_exceeded';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = 'CapacityError';
  }
}

/**
 * The child could not be brought up to an initialized MCP server: it was not found, exited,
 * or did not answer `initialize` in time. `kind` decides the HTTP status (502 or 504).
 */
export class ChildStartError extends Error {
  readonly code = 'server_start_failed';
  constructor(message: string, readonly kind: 'not_found' | 'spawn_failed' | 'exited' | 'timeout') {
    super(message);
    this.name = 'ChildStartError';
  }
}
