import { AdapterError } from '../errors/adapter-error.js';
/** The body was larger than the configured limit. */
export class BodyTooLargeError extends AdapterError {
  constructor(readonly limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes`, { code: 'body_too_large', httpStatus: 413 });
  }
}

/**
 * Where a host that has already read a request's whole body (the node host) offers its bytes:
 * reading them there skips the web body stream. Undefined once the stream is the one to read.
 */
export const WHOLE_BODY: unique symbol = Symbol('whole request body');

/**
 * Reads a request's (or a response's) body as text, refusing it as soon as it passes `limit`
 * bytes; a refused body is cancelled, so its connection can be reused or closed.
 */
export async function readBodyText(message: Pick<Request, 'headers' | 'body'>, limit: number): Promise<string> {
  const whole = (message as { [WHOLE_BODY]?: Buffer })[WHOLE_BODY];
  if (whole !== undefined) {
    if (whole.length > limit) throw new BodyTooLargeError(limit);
    return whole.toString('utf8');
  }
  const declared = Number(message.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await message.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(limit);
  }
  if (!message.body) return '';
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
