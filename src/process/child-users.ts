import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killUntilGone, processIds } from './leftovers.js';

/** The uid (and gid, the same number) a child runs as, claimed for this adapter process until released. */
export interface ChildUser {
  uid: number;
  gid: number;
}

export interface ChildUsersOptions {
  /** First uid of the range children run as; gids are the same numbers. */
  firstUid: number;
  /** How many uids the range holds: the most children at once with users of their own. */
  count: number;
  /** Where claims are kept (one file per uid in use, naming the adapter process that holds it). */
  claimsDir?: string;
}

/** The claims folder children never see: root's, mode 700, beside the system's temporary files. */
export const DEFAULT_CLAIMS_DIR = path.join(tmpdir(), 'mcp-adapter-child-users');

interface Claim {
  pid: number;
  /** The child's private folder, removed when a stale claim is cleaned up. */
  dir?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Pids of every process whose real uid is `uid` (Linux: `/proc/<pid>/status`). A user of its own
 * is what makes "every process the child started" knowable: `setsid` and double forks escape a
 * process group, never the uid.
 */
export function processesOf(uid: number, procRoot = '/proc'): number[] {
  return processIds(procRoot).filter((pid) => {
    try {
      const status = readFileSync(path.join(procRoot, String(pid), 'status'), 'utf8');
      return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid;
    } catch {
      return false; // exited while we looked
    }
  });
}

/** SIGKILLs every process of `uid` until none is left (a process may fork while we look); returns how many. */
export function killProcessesOf(uid: number): number {
  return killUntilGone(() => processesOf(uid));
}

/**
 * The range of users children run as, when the adapter may change user. A uid is claimed with a
 * file created exclusively in the claims folder, so adapters on one machine (several test
 * processes, a restarted adapter beside the old one's orphans) never hand out the same uid; a
 * claim whose adapter process is gone is stale: its processes are killed and its folder removed
 * before the uid is used again, which is also how a SIGKILLed adapter's leftovers are cleaned up.
 */
/** How long a released uid waits for its killed processes to be reaped, and how often it looks. */
const RELEASE_WAIT_MS = 60_000;
const RELEASE_POLL_MS = 250;

export class ChildUsers {
  private readonly claimsDir: string;
  private readonly held = new Set<number>();

  constructor(private readonly options: ChildUsersOptions) {
    this.claimsDir = options.claimsDir ?? DEFAULT_CLAIMS_DIR;
    mkdirSync(this.claimsDir, { recursive: true, mode: 0o700 });
  }

  /** Claims a free uid of the range for a child whose private folder is `dir`; undefined when all are in use. */
  claim(dir: string): ChildUser | undefined {
    const { firstUid, count } = this.options;
    for (let uid = firstUid; uid < firstUid + count; uid += 1) {
      if (this.held.has(uid)) continue;
      if (this.tryClaim(uid, dir)) {
        this.held.add(uid);
        return { uid, gid: uid };
      }
    }
    return undefined;
  }

  /**
   * Ends every process of the uid, and gives the uid back once none is left. A killed process the
   * uid's children started stays a zombie until PID 1 reaps it, and zombies still count against
   * the uid's process limit: the next child given the uid too early could start nothing.
   */
  release(user: ChildUser): void {
    killProcessesOf(user.uid);
    this.freeWhenGone(user.uid, 0);
  }

  private freeWhenGone(uid: number, waitedMs: number): void {
    if (processesOf(uid).length === 0) {
      rmSync(this.claimFile(uid), { force: true });
      this.held.delete(uid);
      return;
    }
    // Never reaped (a PID 1 that does not reap): the uid stays held, retired for this process's life.
    if (waitedMs >= RELEASE_WAIT_MS) return;
    setTimeout(() => {
      killProcessesOf(uid);
      this.freeWhenGone(uid, waitedMs + RELEASE_POLL_MS);
    }, RELEASE_POLL_MS).unref();
  }

  /** Claims of adapter processes that are gone: their processes killed, folders removed, claims dropped. Returns the uids cleaned. */
  cleanStale(): number[] {
    const cleaned: number[] = [];
    let files: string[];
    try {
      files = readdirSync(this.claimsDir);
    } catch {
      return cleaned;
    }
    for (const file of files) {
      const uid = Number(file);
      if (!Number.isInteger(uid) || this.held.has(uid)) continue;
      const claim = this.readClaim(uid);
      if (claim ? alive(claim.pid) : this.justCreated(uid)) continue;
      this.cleanClaim(uid, claim);
      cleaned.push(uid);
    }
    return cleaned;
  }

  private claimFile(uid: number): string {
    return path.join(this.claimsDir, String(uid));
  }

  private readClaim(uid: number): Claim | undefined {
    try {
      return JSON.parse(readFileSync(this.claimFile(uid), 'utf8')) as Claim;
    } catch {
      return undefined;
    }
  }

  /** An unreadable claim younger than a few seconds is being written by another adapter, not stale. */
  private justCreated(uid: number): boolean {
    try {
      return Date.now() - statSync(this.claimFile(uid)).mtimeMs < 5000;
    } catch {
      return false;
    }
  }

  private cleanClaim(uid: number, claim: Claim | undefined): void {
    killProcessesOf(uid);
    if (claim?.dir) rmSync(claim.dir, { recursive: true, force: true });
    rmSync(this.claimFile(uid), { force: true });
  }

  private tryClaim(uid: number, dir: string): boolean {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(this.claimFile(uid), 'wx', 0o600);
        try {
          writeSync(fd, JSON.stringify({ pid: process.pid, dir } satisfies Claim));
        } finally {
          closeSync(fd);
        }
        // A process of the uid may outlive a claim cleaned by hand: nothing of another child's stays,
        // and a uid whose killed processes are not yet reaped is skipped (they count against its limits).
        killProcessesOf(uid);
        if (processesOf(uid).length > 0) {
          rmSync(this.claimFile(uid), { force: true });
          return false;
        }
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const claim = this.readClaim(uid);
        if (claim ? alive(claim.pid) : this.justCreated(uid)) return false;
        this.cleanClaim(uid, claim);
      }
    }
    return false;
  }
}
