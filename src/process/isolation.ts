import { accessSync, constants, readFileSync } from 'node:fs';

/**
 * How children are kept apart from the adapter and from each other, as far as this process can
 * tell about itself (Linux `/proc/self/status`). No guess about the platform: the report is what
 * `/status` shows and the post-deploy smoke test prints, so a deployment answers for itself.
 *
 * - `user_per_child`: the adapter may change user (`CAP_SETUID` and `CAP_SETGID`): every child
 *   runs as a user of its own, so it cannot read the adapter's environment
 *   (`/proc/<pid>/environ` is readable by its owner only), other children's environments or
 *   folders, and every process it leaves behind is ended with its session.
 * - `shared_user`: children run as the adapter's own user. They can read the adapter's
 *   environment (on Azure Functions: every app setting, Key Vault references resolved, and the
 *   host's identity header) and each other's: the Function App is the trust boundary.
 */
export type IsolationMode = 'user_per_child' | 'shared_user';

export interface IsolationReport {
  mode: IsolationMode;
  /** Why this mode: what was found (or not) that decides it. */
  reason: string;
  platform: NodeJS.Platform;
  uid?: number;
  gid?: number;
  /** Effective capabilities (hex, as in /proc/self/status) and the ones that matter here. */
  capabilities?: { effective: string; setuid: boolean; setgid: boolean; kill: boolean };
  /** `NoNewPrivs`: set, no child can gain privileges through set-user-id programs. */
  noNewPrivileges?: boolean;
  /** Whether the kernel lets unprivileged users create user namespaces (reported, not used). */
  userNamespaces?: boolean;
  /** Whether a cgroup hierarchy is writable by this process (reported, not used). */
  cgroupsWritable?: boolean;
}

/** Linux capability bit numbers (`include/uapi/linux/capability.h`). */
const CAP_KILL = 5;
const CAP_SETGID = 6;
const CAP_SETUID = 7;

function field(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What this process may do to keep children apart; `forceShared` reports `shared_user` whatever it may do (config `isolation: shared_user`). */
export function inspectIsolation(options: { forceShared?: boolean; procRoot?: string } = {}): IsolationReport {
  const proc = options.procRoot ?? '/proc';
  const status = process.platform === 'linux' ? readOr(`${proc}/self/status`) : undefined;
  if (!status) {
    return {
      mode: 'shared_user',
      platform: process.platform,
      reason: `children run as the adapter's user: per-child users need Linux (this is ${process.platform})`,
    };
  }
  const effective = field(status, 'CapEff') ?? '0';
  const bits = BigInt(`0x${effective}`);
  const has = (bit: number) => (bits & (1n << BigInt(bit))) !== 0n;
  const capabilities = { effective, setuid: has(CAP_SETUID), setgid: has(CAP_SETGID), kill: has(CAP_KILL) };
  const maxUserNamespaces = Number(readOr(`${proc}/sys/user/max_user_namespaces`) ?? 0);
  const unprivilegedClone = readOr(`${proc}/sys/kernel/unprivileged_userns_clone`);
  const report: IsolationReport = {
    mode: 'shared_user',
    reason: '',
    platform: process.platform,
    uid: process.getuid?.(),
    gid: process.getgid?.(),
    capabilities,
    noNewPrivileges: field(status, 'NoNewPrivs') === '1',
    userNamespaces: maxUserNamespaces > 0 && unprivilegedClone !== '0',
    cgroupsWritable: writable('/sys/fs/cgroup') || writable('/sys/fs/cgroup/pids'),
  };
  if (options.forceShared) {
    report.reason = "children run as the adapter's user: adapter.isolation (or MCP_ADAPTER_ISOLATION) is shared_user";
  } else if (capabilities.setuid && capabilities.setgid && capabilities.kill) {
    report.mode = 'user_per_child';
    report.reason =
      'the adapter may change user (CAP_SETUID, CAP_SETGID, CAP_KILL): each child runs as a user of its own';
  } else {
    report.reason = `children run as the adapter's user (uid ${report.uid}): it lacks CAP_SETUID/CAP_SETGID, so it cannot give each child a user of its own`;
  }
  return report;
}
