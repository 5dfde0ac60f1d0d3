import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where children share the adapter's user, a process group does not hold what a child starts
 * (`setsid` and double forks leave it), but the environment does: every descendant inherits the
 * child's private HOME unless it clears its environment on purpose. These find such processes
 * through `/proc/<pid>/environ` (readable for processes of one's own user; Linux only, elsewhere
 * nothing is found). With a user per child, `child-users.ts` ends every process of the uid instead.
 */

/** Private folders are `<tmp>/mcp-<adapter pid>-<server>-XXXXXX`: whose they are survives a SIGKILL. */
export function privateDirPrefix(serverName: string, root = tmpdir()): string {
  return path.join(root, `mcp-${process.pid}-${serverName.replace(/[^\w-]/g, '_')}-`);
}

/** Pids of processes whose environment holds `HOME=<home>` (or a HOME inside it). */
export function processesWithHome(home: string, procRoot = '/proc'): number[] {
  const needle = Buffer.from(`HOME=${home}`);
  return processIds(procRoot).filter((pid) => {
    if (pid === process.pid) return false;
    let environ: Buffer;
    try {
      environ = readFileSync(path.join(procRoot, String(pid), 'environ'));
    } catch {
      return false; // another user's process, or gone
    }
    const at = environ.indexOf(needle);
    // The variable starts the block or follows a NUL, and the value is HOME or a folder inside it.
    if (at < 0 || (at > 0 && environ[at - 1] !== 0)) return false;
    const next = environ[at + needle.length];
    return next === undefined || next === 0 || next === 0x2f;
  });
}

/** Every process id `/proc` lists now (none where there is no `/proc`). */
export function processIds(procRoot = '/proc'): number[] {
  try {
    return readdirSync(procRoot)
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGKILLs every process whose HOME is `home` until none is left; returns how many. */
export function killProcessesWithHome(home: string, procRoot = '/proc'): number {
  return killUntilGone(() => processesWithHome(home, procRoot));
}

/**
 * SIGKILLs what `find` lists until it lists nothing (a process may fork while we look; ten rounds
 * at most); returns how many processes, each counted once (a killed one may still be listed in the
 * next round, until the kernel has taken it down).
 */
export function killUntilGone(find: () => number[]): number {
  const killed = new Set<number>();
  for (let round = 0; round < 10; round += 1) {
    const pids = find();
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // gone, or a zombie's pid reused by then
      }
    }
  }
  return killed.size;
}

/**
 * What the children of adapters that are gone (a SIGKILL, a crash) left: their private folders,
 * and the processes living in them. Folders of adapters still running are left alone.
 */
export function cleanLeftovers(root = tmpdir(), procRoot = '/proc'): { folders: number; processes: number } {
  let folders = 0;
  let processes = 0;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return { folders, processes };
  }
  for (const entry of entries) {
    const owner = /^mcp-(\d+)-/.exec(entry)?.[1];
    if (!owner || alive(Number(owner))) continue;
    const dir = path.join(root, entry);
    processes += killProcessesWithHome(path.join(dir, 'home'), procRoot);
    rmSync(dir, { recursive: true, force: true });
    folders += 1;
  }
  return { folders, processes };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
