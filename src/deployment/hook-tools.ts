/**
 * What the azd hooks need, bundled with its dependencies into scripts/hooks/lib/hook-tools.mjs
 * (`npm run hooks:bundle`; a test fails when the committed bundle is stale). The hooks import
 * only that bundle and Node's built-ins: azd runs `preprovision` while it installs and builds
 * the project (`azd up` runs them concurrently), so node_modules and dist/ may be half written.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { discoverConfigPath, loadConfigFile } from '../config/load-config.js';
import { planDeployment, type DeploymentPlan } from './plan.js';

export { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.js';
export { discoverConfigPath, loadConfigFile, type LoadedConfig } from '../config/load-config.js';
export { planDeployment, PlanError, type DeploymentPlan } from './plan.js';
export {
  AzdValuesError,
  askOnTerminal,
  collectAzdValues,
  decodeValues,
  dotenvLine,
  dotenvText,
  encodeValues,
  howToSet,
  neededValues,
  noPromptMode,
  RETIRED_APP_ROLES_VAR,
  RETIRED_CALLER_SCOPES_VAR,
  runningOnCI,
  SECRET_VALUES_VAR,
  SESSION_KEY_VAR,
  SETTING_VALUES_VAR,
  STATELESS_APP_ENABLED_VAR,
  statelessAppEnabled,
  storeInAzdEnv,
  type NeededValue,
} from './azd-values.js';
export {
  decodeProvisionedPlan,
  encodeProvisionedPlan,
  infrastructureChanges,
  PROVISIONED_PLAN_SETTING,
  PROVISIONED_PLAN_VAR,
  provisionedProjection,
  ProvisionedPlanError,
  retiredAppRoles,
  retiredCallerScopes,
  type ProvisionedPlan,
} from './provisioned-plan.js';

/** The config the app will serve (MCP_CONFIG_PATH or the well-known files in the app root) and its plan. */
export function loadPlan(
  appRoot: string,
  env: NodeJS.ProcessEnv,
): { file: string; loaded: LoadedConfig; plan: DeploymentPlan } {
  const file = discoverConfigPath({ env, appRoot });
  const loaded = loadConfigFile(file);
  return { file, loaded, plan: planDeployment(loaded) };
}

// ---------------------------------------------------------------------------------------------
// One package for both services. azure.yaml's `api` and `api-stateless` share the project, its
// prepackage hook and its staging folder (.azd-package/), and azd packages services concurrently
// (azd 1.25+, cli/azd/internal/cmd/service_graph.go: "Package and publish steps always run in
// parallel"), each running its own prepackage hook and then zipping the folder. So the hook takes
// a lock per project, and a run that finds the folder assembled by another run from the same
// sources leaves it as it is: the second service costs a hash of the sources, and nobody rewrites
// the folder while the other service's zip reads it.
// ---------------------------------------------------------------------------------------------

/** What the last assembly of a project's package was made from (kept outside the project). */
export interface PackageStamp {
  version: 1;
  appRoot: string;
  outDir: string;
  /** packageSources() before that assembly's build. */
  sources: string;
  /** The config, then what it references: paths relative to the project, the same in the package. */
  files: string[];
  /** Epoch milliseconds. */
  assembledAt: number;
}

/** How long an assembled package is reused: the services of one `azd up` / `azd deploy` are packaged minutes apart at most. */
export const PACKAGE_REUSE_MS = 15 * 60_000;

/** The project's lock and stamp: in the temporary folder, so nothing lands in the package or in git. */
export function packageStateDir(appRoot: string): string {
  const key = createHash('sha256').update(path.resolve(appRoot)).digest('hex').slice(0, 16);
  return path.join(tmpdir(), `mcp-app-package-${key}`);
}

/** What app-package.ts never copies into the package (NEVER_COPIED there): left out of the comparison too. */
const NEVER_PACKAGED = new Set(['.env', 'local.settings.json', '.git', '.azure', '__pycache__']);

/** sha256 of a file's bytes, a folder's entries (names and contents, recursively), or "missing". */
function hashPath(file: string): string {
  const hash = createHash('sha256');
  const visit = (current: string, name: string) => {
    if (!existsSync(current)) {
      hash.update(`missing ${name}\n`);
      return;
    }
    if (statSync(current).isDirectory()) {
      hash.update(`dir ${name}\n`);
      for (const entry of readdirSync(current).sort())
        if (!NEVER_PACKAGED.has(entry)) visit(path.join(current, entry), `${name}/${entry}`);
      return;
    }
    hash.update(`file ${name}\n`);
    hash.update(readFileSync(current));
  };
  visit(file, '.');
  return hash.digest('hex');
}

/**
 * A hash of what the package is built from apart from the config: the sources the build compiles,
 * the manifests the production install reads, host.json, the hook itself, the config's path and
 * the Node.js that packages.
 */
export function packageSources(appRoot: string, env: NodeJS.ProcessEnv): string {
  const hash = createHash('sha256');
  for (const name of [
    'src',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'host.json',
    'scripts/hooks/prepackage.mjs',
  ])
    hash.update(`${name} ${hashPath(path.join(appRoot, name))}\n`);
  hash.update(`config ${env.MCP_CONFIG_PATH ?? ''}\nnode ${process.version} ${process.platform} ${process.arch}\n`);
  return hash.digest('hex');
}

const stampFile = (appRoot: string) => path.join(packageStateDir(appRoot), 'stamp.json');

function readStamp(appRoot: string): PackageStamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(stampFile(appRoot), 'utf8')) as PackageStamp;
    return stamp.version === 1 ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stamp of the package in `outDir` when it can be used as it is: assembled for this project
 * and folder less than PACKAGE_REUSE_MS ago from the same sources, and the config and every file
 * it references are byte for byte what the package holds. Undefined otherwise (assemble again).
 */
export function reusablePackage(
  appRoot: string,
  outDir: string,
  sources: string,
  env: NodeJS.ProcessEnv,
  now = Date.now(),
): PackageStamp | undefined {
  const root = path.resolve(appRoot);
  const stamp = readStamp(root);
  if (!stamp || stamp.appRoot !== root || stamp.outDir !== path.resolve(outDir) || stamp.sources !== sources)
    return undefined;
  if (now - stamp.assembledAt > PACKAGE_REUSE_MS || now < stamp.assembledAt) return undefined;
  let configFile: string;
  try {
    configFile = path.relative(root, discoverConfigPath({ env, appRoot: root }));
  } catch {
    return undefined;
  }
  if (stamp.files[0] !== configFile) return undefined;
  for (const file of stamp.files)
    if (hashPath(path.join(root, file)) !== hashPath(path.join(stamp.outDir, file))) return undefined;
  return stamp;
}

/** Records a package just assembled in `outDir` from `sources` (files: the config, then what it references). */
export function recordPackage(appRoot: string, outDir: string, sources: string, files: string[], now = Date.now()) {
  const stamp: PackageStamp = {
    version: 1,
    appRoot: path.resolve(appRoot),
    outDir: path.resolve(outDir),
    sources,
    files,
    assembledAt: now,
  };
  mkdirSync(packageStateDir(appRoot), { recursive: true });
  const temporary = `${stampFile(appRoot)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(stamp, null, 2)}\n`);
  renameSync(temporary, stampFile(appRoot));
}

/** Forgets the last package (before assembling: a run that fails half-way leaves nothing to reuse). */
export function forgetPackage(appRoot: string): void {
  rmSync(stampFile(appRoot), { force: true });
}

/**
 * Puts the folder `next` (assembled beside `target`) in the place of `target` with two renames,
 * so a reader of `target` (azd zipping it for another service) never finds it half rebuilt; the
 * old folder is removed afterwards. Windows refuses to rename a folder while a file in it is
 * open: retried for a while.
 */
export async function replaceFolder(next: string, target: string, attempts = 40, delayMs = 250): Promise<void> {
  const old = `${target}.old-${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    try {
      if (existsSync(target)) renameSync(target, old);
      renameSync(next, target);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= attempts || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  rmSync(old, { recursive: true, force: true });
}

/** Folders `<target>.next-<pid>` / `<target>.old-<pid>` a killed run left behind (their pid is gone). */
export function removeLeftovers(target: string): string[] {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const removed: string[] = [];
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
    const match = /^(.*)\.(next|old)-(\d+)$/.exec(entry);
    if (!match || match[1] !== base || processAlive(Number(match[3]))) continue;
    rmSync(path.join(dir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

export interface PackageLockOptions {
  /** Told once when the lock is held by another run. */
  log?: (line: string) => void;
  pollMs?: number;
  /** A lock older than this is stale whatever its owner (a hook killed with its azd). */
  staleMs?: number;
  /** Give up waiting after this long. */
  timeoutMs?: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding the project's packaging lock: a folder created with mkdir (atomic), holding
 * its owner's pid. A lock whose owner is gone, or older than `staleMs`, is taken over.
 */
export async function withPackageLock<T>(
  appRoot: string,
  fn: () => Promise<T> | T,
  options: PackageLockOptions = {},
): Promise<T> {
  const lock = path.join(packageStateDir(appRoot), 'lock');
  const owner = path.join(lock, 'owner.json');
  const pollMs = options.pollMs ?? 250;
  const staleMs = options.staleMs ?? 60 * 60_000;
  const deadline = Date.now() + (options.timeoutMs ?? 45 * 60_000);
  mkdirSync(path.dirname(lock), { recursive: true });
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, JSON.stringify({ pid: process.pid, since: Date.now() }));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { pid?: number; since?: number } = {};
    try {
      holder = JSON.parse(readFileSync(owner, 'utf8')) as typeof holder;
    } catch {
      // being written or removed: look again
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    const gone = holder.pid !== undefined && !processAlive(holder.pid);
    // An owner file that never appears: its writer died between mkdir and write.
    const ownerless = holder.pid === undefined && age > 10 * pollMs + 5000;
    if (gone || ownerless || age > staleMs) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `another packaging of this project (pid ${holder.pid ?? '?'}) has held ${lock} for ${Math.round(age / 1000)} s; if nothing is packaging, remove that folder`,
      );
    if (!told) {
      options.log?.(`waiting for the packaging already running in this project (pid ${holder.pid ?? '?'})`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
