/**
 * Splits a child's stderr into lines without holding more than `maxLineBytes` of any line: a
 * longer line is cut there (what follows, up to its end, is counted and dropped), so a child that
 * writes a 100 MB line costs the adapter 8 KB, not 100 MB.
 */
export class BoundedLines {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes of the current line dropped past the limit. */
  private dropped = 0;

  constructor(private readonly maxLineBytes = 8 * 1024) {}

  /** The complete lines in `chunk` (with what was held before it), cut to the limit. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.hold(chunk.subarray(start, end));
      lines.push(this.take());
      start = end + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
    return lines;
  }

  /** What is left without a final newline (the child exited mid-line). */
  flush(): string | undefined {
    return this.heldBytes > 0 || this.dropped > 0 ? this.take() : undefined;
  }

  private hold(part: Buffer): void {
    const room = this.maxLineBytes - this.heldBytes;
    if (room <= 0) {
      this.dropped += part.length;
      return;
    }
    const kept = part.length <= room ? part : part.subarray(0, room);
    // Copied: the chunk is not kept alive by a small slice of it.
    this.held.push(Buffer.from(kept));
    this.heldBytes += kept.length;
    this.dropped += part.length - kept.length;
  }

  private take(): string {
    let line = Buffer.concat(this.held, this.heldBytes).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.dropped > 0) line += ` [... ${this.dropped} more bytes of this line dropped]`;
    this.held = [];
    this.heldBytes = 0;
    this.dropped = 0;
    return line;
  }
}

/**
 * How many log lines of one kind a child may cause: `perWindow` in each window, then one line
 * saying how many were suppressed. A child that writes 200,000 bad lines fills no disk.
 */
export class LogBudget {
  private used = 0;
  private suppressed = 0;
  private windowStart = Date.now();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Whether one more line may be logged now; `onSuppressed` is told (once per window) how many
   * were held back in the window that just ended.
   */
  take(onSuppressed: (count: number) => void): boolean {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) onSuppressed(this.suppressed);
      this.windowStart = now;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.perWindow) {
      this.used += 1;
      return true;
    }
    this.suppressed += 1;
    return false;
  }

  /** Reports what is still suppressed (the child stopped). */
  flush(onSuppressed: (count: number) => void): void {
    if (this.suppressed > 0) onSuppressed(this.suppressed);
    this.suppressed = 0;
  }
}
