import type { Framing } from '../config/model.js';

/** What a chunk of child stdout decoded into. */
export type DecodedItem = { kind: 'message'; message: unknown } | { kind: 'garbage'; text: string };

const HEADER_PREFIX = /^content-length\s*:/i;
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Decodes a child's stdout. The MCP spec says STDIO messages are newline-delimited JSON;
 * some servers (and the predecessor) use LSP-style `Content-Length` framing instead. In
 * `auto` mode the first non-blank bytes decide: a `Content-Length:` header selects that
 * framing, anything else newline-delimited JSON. Lines that are not JSON are reported as
 * garbage (logged and skipped by the caller), never passed on.
 */
export class StdioDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private mode: 'ndjson' | 'content-length' | undefined;

  constructor(framing: Framing) {
    this.mode = framing === 'auto' ? undefined : framing;
  }

  /** The framing in use, once known. */
  get detectedFraming(): 'ndjson' | 'content-length' | undefined {
    return this.mode;
  }

  push(chunk: Buffer): DecodedItem[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
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
    const line = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(newline + 1);
    if (line.trim() === '') return null;
    return parseItem(line);
  }

  private nextFramed(): DecodedItem | null | undefined {
    // A line that is plainly not a header (a stray log line) is garbage and must not stall the stream.
    const newline = this.buffer.indexOf(0x0a);
    if (newline !== -1) {
      const line = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '');
      if (line.trim() === '' || !/^[\w-]+\s*:/.test(line)) {
        this.buffer = this.buffer.subarray(newline + 1);
        return line.trim() === '' ? null : { kind: 'garbage', text: line };
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
    const body = this.buffer.toString('utf8', bodyStart, bodyStart + length);
    this.buffer = this.buffer.subarray(bodyStart + length);
    return parseItem(body);
  }
}

function parseItem(text: string): DecodedItem {
  try {
    const message: unknown = JSON.parse(text);
    if (message !== null && typeof message === 'object' && (message as { jsonrpc?: unknown }).jsonrpc === '2.0') {
      return { kind: 'message', message };
    }
  } catch {
    // not JSON: reported as garbage below
  }
  return { kind: 'garbage', text: text.length > 500 ? `${text.slice(0, 500)}…` : text };
}

/** Frames one message for a child's stdin. */
export function encodeMessage(message: unknown, framing: 'ndjson' | 'content-length'): string {
  const json = JSON.stringify(message);
  if (framing === 'ndjson') return `${json}\n`;
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}
