import type { Framing } from '../config/model.js';

/** What a chunk of child stdout decoded into. */
export type DecodedItem = { kind: 'message'; message: unknown } | { kind: 'garbage'; text: string };

const HEADER_PREFIX = /^content-length\s*:/i;
/** A message larger than this is not an MCP message worth holding in memory: discarded, reported. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Decodes a child's stdout. The MCP spec says STDIO messages are newline-delimited JSON;
 * some servers (and the predecessor) use LSP-style `Content-Length` framing instead. In
 * `auto` mode the first non-blank bytes decide: a `Content-Length:` header selects that
 * framing, anything else newline-delimited JSON. Lines that are not JSON are reported as
 * garbage (logged and skipped by the caller), never passed on.
 */
export class StdioDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks of a line whose end has not arrived (ndjson), joined once when it does. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private mode: 'ndjson' | 'content-length' | undefined;

  constructor(framing: Framing) {
    this.mode = framing === 'auto' ? undefined : framing;
  }

  /** The framing in use, once known. */
  get detectedFraming(): 'ndjson' | 'content-length' | undefined {
    return this.mode;
  }

  push(chunk: Buffer): DecodedItem[] {
    if (this.mode === 'ndjson' && chunk.indexOf(0x0a) === -1) {
      // No line ends here: set the chunk aside. Joining every chunk onto what is held would copy
      // a long line over and over (its length squared), gigabytes of garbage for a 16 MB line.
      const held = this.buffer.length + this.pendingBytes + chunk.length;
      if (held > MAX_LINE_BYTES) {
        this.buffer = Buffer.alloc(0);
        this.pending = [];
        this.pendingBytes = 0;
        return [{ kind: 'garbage', text: `<${held} bytes without a message boundary, discarded>` }];
      }
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return [];
    }
    const parts = this.pending.length === 0 ? [this.buffer, chunk] : [this.buffer, ...this.pending, chunk];
    this.pending = [];
    this.pendingBytes = 0;
    this.buffer = this.buffer.length === 0 && parts.length === 2 ? chunk : Buffer.concat(parts);
    const items: DecodedItem[] = [];
    for (;;) {
      if (this.mode === undefined && !this.detect()) break;
      const item = this.mode === 'content-length' ? this.nextFramed() : this.nextLine();
      if (item === undefined) break;
      if (item !== null) items.push(item);
    }
    if (this.buffer.length > MAX_LINE_BYTES) {
      items.push({ kind: 'garbage', text: `<${this.buffer.length} bytes without a message boundary, discarded>` });
      this.buffer = Buffer.alloc(0);
    }
    return items;
  }

  private detect(): boolean {
    const text = this.buffer.toString('utf8', 0, Math.min(this.buffer.length, 64)).trimStart();
    if (text.length === 0) return false;
    if (HEADER_PREFIX.test(text)) this.mode = 'content-length';
    else if ('content-length:'.startsWith(text.toLowerCase())) return false;
    else this.mode = 'ndjson';
    return true;
  }

  /** undefined: need more bytes; null: consumed something that yields no item. */
  private nextLine(): DecodedItem | null | undefined {
    const newline = this.buffer.indexOf(0x0a);
    if (newline === -1) return undefined;
    const line = this.buffer.subarray(0, newline);
    this.buffer = this.buffer.subarray(newline + 1);
    return parseBytes(line);
  }

  private nextFramed(): DecodedItem | null | undefined {
    // A line that is plainly not a header (a stray log line) is garbage and must not stall the stream.
    const newline = this.buffer.indexOf(0x0a);
    if (newline !== -1) {
      const head = this.buffer.toString('utf8', 0, Math.min(newline, 64));
      if (head.trim() === '' || !/^[\w-]+\s*:/.test(head)) {
        const line = this.buffer.subarray(0, newline);
        this.buffer = this.buffer.subarray(newline + 1);
        return parseBytes(line);
      }
    }
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd === -1) return undefined;
    const headers = this.buffer.toString('utf8', 0, headerEnd);
    const match = /(?:^|\r\n)\s*content-length\s*:\s*(\d+)/i.exec(headers);
    if (!match) {
      this.buffer = this.buffer.subarray(headerEnd + 4);
      return { kind: 'garbage', text: headers };
    }
    const length = Number(match[1]);
    const bodyStart = headerEnd + 4;
    if (this.buffer.length < bodyStart + length) return undefined;
    const body = this.buffer.subarray(bodyStart, bodyStart + length);
    this.buffer = this.buffer.subarray(bodyStart + length);
    return parseBytes(body);
  }
}

const PREVIEW_BYTES = 500;

/** One framed message's bytes → a message, or garbage with a short preview (never the whole text: logs keep it). */
function parseBytes(bytes: Buffer): DecodedItem | null {
  let start = 0;
  while (
    start < bytes.length &&
    (bytes[start] === 0x20 || bytes[start] === 0x09 || bytes[start] === 0x0d || bytes[start] === 0x0a)
  )
    start += 1;
  if (start === bytes.length) return null;
  // Only text that starts like a JSON object is worth parsing.
  if (bytes[start] === 0x7b) {
    try {
      const message: unknown = JSON.parse(bytes.toString('utf8'));
      if (message !== null && typeof message === 'object' && (message as { jsonrpc?: unknown }).jsonrpc === '2.0')
        return { kind: 'message', message };
    } catch {
      // not JSON: reported as garbage below
    }
  }
  const preview = bytes.toString('utf8', 0, Math.min(bytes.length, PREVIEW_BYTES)).replace(/\r$/, '');
  return { kind: 'garbage', text: bytes.length > PREVIEW_BYTES ? `${preview}…` : preview };
}

/** Frames one message for a child's stdin. */
export function encodeMessage(message: unknown, framing: 'ndjson' | 'content-length'): string {
  const json = JSON.stringify(message);
  if (framing === 'ndjson') return `${json}\n`;
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}
