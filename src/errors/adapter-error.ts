/**
 * The adapter's one error type. Everything it raises on purpose is an AdapterError (or a subclass
 * naming the case) with:
 * - `code`: stable, for logs, tests and clients (`capacity_exceeded`, `server_start_failed`, ...);
 * - `httpStatus`: what a request that meets it is answered with (undefined for errors that never
 *   reach a request: CLI, deployment, config at start-up);
 * - `retryAfterSeconds`: when retrying later can help;
 * - `cause`: the error it wraps, kept when it is re-thrown as another one;
 * - `message`: the fact the user needs (what failed, what to do), never a secret or a token.
 * `web/http-errors.ts` `describeForHttp` is the one place that turns it into an HTTP answer.
 */
export interface AdapterErrorOptions {
  code: string;
  httpStatus?: number;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AdapterError extends Error {
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: AdapterErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
