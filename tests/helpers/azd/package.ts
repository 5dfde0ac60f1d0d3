/**
 * A stand-in for what `azd package` / `azd deploy` do to a Node (JS/TS) Azure Functions service
 * before the upload, following azure-dev's code (github.com/Azure/azure-dev, cli/azd; the
 * functions named below). azd cannot be installed here, so the tests build the deployment
 * package through this and run the app from what azd would upload.
 *
 * Order (pkg/project/service_manager.go `serviceManager.Package`):
 *  1. Restore, because the node framework requires it (framework_service_node.go
 *     `Requirements`: RequireRestore true, RequireBuild false, so no separate Build step runs
 *     before packaging; `azd build` is the only command that calls `serviceManager.Build`).
 *  2. The service's `package` event (`runCommand` → `ServiceConfig.Invoke`): the service
 *     `prepackage` hook, then
 *  3. the node framework's Package (`npm run build --if-present` again; package source = the
 *     service path joined with `dist`; "empty or does not exist" error), then
 *  4. the Functions target's Package (service_target_functionapp.go `Package` →
 *     project_utils.go `createDeployableZip` → pkg/rzip `CreateFromDirectory`), here as the
 *     folder extracting that zip gives (`createDeployableFolder`), and
 *  5. at deploy, `resolveFunctionAppRemoteBuild` (service_target_functionapp.go).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ignore, { type Ignore } from 'ignore';
import { parse as parseYaml } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface HookConfig {
  shell?: string;
  run: string;
  continueOnError?: boolean;
  interactive?: boolean;
}

/** The parts of azure.yaml's service config (pkg/project/service_config.go `ServiceConfig`) packaging reads. */
export interface ServiceConfig {
  name: string;
  /** `project`, relative to azure.yaml. */
  project: string;
  language: string;
  host: string;
  /** `dist` (`OutputPath`). */
  dist?: string;
  /** `remoteBuild` (`RemoteBuild *bool`): undefined when unset. */
  remoteBuild?: boolean;
  hooks?: Record<string, HookConfig | { posix?: HookConfig; windows?: HookConfig }>;
}

/** Reads a service from azure.yaml. */
export function readServiceConfig(projectDir: string, service: string): ServiceConfig {
  const document = parseYaml(readFileSync(path.join(projectDir, 'azure.yaml'), 'utf8')) as {
    services?: Record<string, Omit<ServiceConfig, 'name'>>;
  };
  const config = document.services?.[service];
  if (!config) throw new Error(`azure.yaml has no service "${service}"`);
  return { name: service, ...config };
}

/** The ignore file of a host (pkg/project/service_target.go `ServiceTargetKind.IgnoreFile`): `.funcignore` for Functions. */
export function ignoreFileOf(host: string): string {
  if (host === 'function') return '.funcignore';
  if (host === 'appservice') return '.webappignore';
  return '';
}

function isJsOrTs(language: string): boolean {
  return ['js', 'ts', 'javascript', 'typescript'].includes(language);
}

/**
 * pkg/tools/node/detect.go `IsDependenciesUpToDate` for npm: node_modules exists, and its
 * hidden lock file `node_modules/.package-lock.json` is not older than `package-lock.json`.
 */
export function isDependenciesUpToDate(projectDir: string): boolean {
  let lock: Stats;
  let marker: Stats;
  try {
    lock = statSync(path.join(projectDir, 'package-lock.json'));
    statSync(path.join(projectDir, 'node_modules'));
    marker = statSync(path.join(projectDir, 'node_modules', '.package-lock.json'));
  } catch {
    return false;
  }
  return !(marker.mtimeMs < lock.mtimeMs);
}

/** pkg/tools/node/detect.go `DetectPackageManager`: the stand-in supports npm only. */
function assertNpm(projectDir: string): void {
  const manifest = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as {
    packageManager?: string;
  };
  const declared = manifest.packageManager?.replace(/@[^@]*$/, '');
  const other =
    declared && declared !== 'npm'
      ? declared
      : ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'yarn.lock'].find((file) => existsSync(path.join(projectDir, file)));
  if (other) throw new Error(`the azd stand-in follows npm only; this project uses ${other}`);
}

interface RunResult {
  command: string;
  ms: number;
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): RunResult {
  const started = Date.now();
  const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.status !== 0)
    throw new Error(`\`npm ${args.join(' ')}\` failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return { command: `npm ${args.join(' ')}`, ms: Date.now() - started };
}

/**
 * Runs a posix hook the way azd does (pkg/ext/hooks_runner.go `execHook`, pkg/ext/models.go
 * `HookConfig.validate`/`resolvePaths`, pkg/tools/bash/bash.go): `run` naming an existing file
 * (relative to the service folder) runs that file; anything else is an inline script written to
 * a temporary `#!/bin/sh` + `set -e` file. The working folder is the service folder (service
 * hooks get `Cwd: service.Path()`, cmd/middleware/hooks.go); the environment is azd's process
 * environment plus the azd environment's values (pkg/exec/command_runner.go appends them to
 * `os.Environ()`). A failing hook fails packaging unless `continueOnError`.
 */
export function runHook(
  name: string,
  hook: HookConfig,
  cwd: string,
  env: NodeJS.ProcessEnv,
): RunResult & { stdout: string; stderr: string } {
  if (hook.shell && hook.shell !== 'sh')
    throw new Error(`hook ${name}: the stand-in runs posix "sh" hooks only (got ${hook.shell})`);
  const started = Date.now();
  const file = path.join(cwd, hook.run.replaceAll('/', path.sep));
  let script = file;
  let temporary: string | undefined;
  if (!(existsSync(file) && statSync(file).isFile())) {
    temporary = mkdtempSync(path.join(tmpdir(), `azd-${name}-`));
    script = path.join(temporary, `${name}.sh`);
    writeFileSync(script, `#!/bin/sh\nset -e\n\n# Auto generated file from Azure Developer CLI\n${hook.run}\n`);
    chmodSync(script, 0o755);
  }
  try {
    const result = spawnSync(script, [], { cwd, env, encoding: 'utf8', shell: true });
    if (result.status !== 0 && !hook.continueOnError) {
      throw new Error(
        `'${name}' hook failed with exit code: '${result.status}', Path: '${script}'.\n${result.stdout}\n${result.stderr}`,
      );
    }
    return { command: hook.run, ms: Date.now() - started, stdout: result.stdout, stderr: result.stderr };
  } finally {
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}

function posixHook(service: ServiceConfig, name: string): HookConfig | undefined {
  const entry = service.hooks?.[name];
  if (!entry) return undefined;
  if ('run' in entry) return entry as HookConfig;
  return (entry as { posix?: HookConfig }).posix;
}

/**
 * service_target_functionapp.go `resolveFunctionAppRemoteBuild` for JS/TS: reads the ignore
 * file from the SERVICE folder (not the package source); unset `remoteBuild` means remote
 * build exactly when it excludes node_modules; an explicit value must agree with it.
 */
export function resolveFunctionAppRemoteBuild(service: ServiceConfig, servicePath: string): boolean {
  if (!isJsOrTs(service.language)) return service.remoteBuild ?? service.language === 'python';
  const ignoreFile = ignoreFileOf(service.host);
  const file = path.join(servicePath, ignoreFile);
  if (!existsSync(file)) return service.remoteBuild ?? true;
  const nodeModulesExcluded = parseIgnoreFile(readFileSync(file)).ignores('node_modules/');
  if (service.remoteBuild === undefined) return nodeModulesExcluded;
  if (service.remoteBuild && !nodeModulesExcluded)
    throw new Error(`'remoteBuild: true' requires '${ignoreFile}' to exclude node_modules`);
  if (!service.remoteBuild && nodeModulesExcluded)
    throw new Error(`'remoteBuild: false' cannot be used when '${ignoreFile}' excludes node_modules`);
  return service.remoteBuild;
}

/** project_utils.go `stripUTF8BOM` then `gitignore.New` (denormal/go-gitignore), here with the `ignore` package. */
function parseIgnoreFile(contents: Buffer): Ignore {
  const text = contents.toString('utf8').replace(/^\uFEFF/, '');
  return ignore().add(text);
}

export interface ZipFolderResult {
  files: number;
  bytes: number;
}

/**
 * The folder a zip made by azd extracts to: project_utils.go `createDeployableZip` (its
 * `onZip` filter) over pkg/rzip `CreateFromDirectory`.
 * - The ignore file (`.funcignore` for Functions) is read from `root`, the PACKAGE SOURCE, with
 *   a UTF-8 BOM stripped, and applied with gitignore semantics (`ignorer.Absolute(src, isDir)`:
 *   a pattern without a slash matches at any depth; a path outside `root`, e.g. inside a linked
 *   folder elsewhere, matches nothing). Here the `ignore` package (7.x) plays
 *   denormal/go-gitignore; for the rules used here (unanchored names, leading-slash anchors,
 *   trailing-slash directory patterns, `*` globs) both behave as git does.
 * - Always dropped: directories named `.azure`, the ignore file itself, and for Functions files
 *   named `local.settings.json`, at any depth.
 * - Without an ignore file, JS/TS drop directories named `node_modules` unless `remoteBuild` is
 *   explicitly false (Python drops virtual environments and `__pycache__`).
 * - An excluded directory is not descended into (rzip `addDir`).
 * - Links are followed (rzip `onSymlink`: `EvalSymlinks`, a linked folder's entries are
 *   visited by their real path, at most 40 levels); a dangling link fails the zip.
 * - Files keep their mode bits (rzip `addFile`: `header.SetMode(info.Mode())`) and times; a
 *   zip holds no directory entries, so empty folders do not appear.
 */
export function createDeployableFolder(
  service: Pick<ServiceConfig, 'language' | 'host' | 'remoteBuild'>,
  root: string,
  dest: string,
): ZipFolderResult {
  const ignoreFile = ignoreFileOf(service.host);
  let ignorer: Ignore | undefined;
  if (ignoreFile && existsSync(path.join(root, ignoreFile)))
    ignorer = parseIgnoreFile(readFileSync(path.join(root, ignoreFile)));
  const result: ZipFolderResult = { files: 0, bytes: 0 };

  const onZip = (src: string, info: Stats): boolean => {
    const name = path.basename(src);
    let isDir = info.isDirectory();
    if (info.isSymbolicLink()) isDir = statSync(src).isDirectory(); // os.Stat: throws on a dangling link, as azd errors
    if (name === '.azure' && isDir) return false;
    if (name === ignoreFile && !isDir) return false;
    if (service.host === 'function' && name === 'local.settings.json' && !isDir) return false;
    if (ignorer) {
      const relative = path.relative(root, src);
      if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) {
        const posix = relative.split(path.sep).join('/');
        if (ignorer.ignores(isDir ? `${posix}/` : posix)) return false;
      }
    } else if (service.language === 'python' || service.language === 'py') {
      if (isDir && (existsSync(path.join(src, 'pyvenv.cfg')) || name.toLowerCase() === '__pycache__')) return false;
    } else if (isJsOrTs(service.language)) {
      if (name === 'node_modules' && isDir) return service.remoteBuild === false;
    }
    return true;
  };

  const addFile = (destRoot: string, src: string, name: string, info: Stats) => {
    const target = path.join(dest, destRoot, name);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(src, target, { dereference: true });
    chmodSync(target, info.mode & 0o7777);
    utimesSync(target, info.atime, info.mtime);
    result.files += 1;
    result.bytes += info.size;
  };

  const addDir = (destRoot: string, src: string, symlinkDepth: number) => {
    if (symlinkDepth > 40) return;
    for (const name of readdirSync(src).sort()) {
      const s = path.join(src, name);
      const info = lstatSync(s);
      if (!onZip(s, info)) continue;
      if (info.isSymbolicLink()) {
        const target = realpathSync(s);
        const targetInfo = lstatSync(target);
        if (targetInfo.isDirectory()) addDir(path.join(destRoot, name), target, symlinkDepth + 1);
        else addFile(destRoot, target, name, targetInfo);
      } else if (info.isDirectory()) {
        addDir(path.join(destRoot, name), s, symlinkDepth);
      } else {
        addFile(destRoot, s, name, info);
      }
    }
  };

  mkdirSync(dest, { recursive: true });
  addDir('', root, 0);
  return result;
}

export interface ServicePackageOptions {
  projectDir: string;
  service: string;
  /** The azd environment's values, added to the process environment of hooks and tools. */
  env?: Record<string, string>;
  /** Where the zip-equivalent goes (default: a new temporary folder). */
  zipFolder?: string;
  /** Allow the Restore step to run `npm install` (default true). */
  allowInstall?: boolean;
}

export interface ServicePackageResult {
  service: ServiceConfig;
  /** What azd zips: the service path joined with `dist`. */
  packageSource: string;
  /** The folder extracting azd's zip would give. */
  zipFolder: string;
  remoteBuild: boolean;
  /** What ran, in order, with durations. */
  steps: Array<{ step: string; command?: string; ms: number; skipped?: boolean }>;
  hookOutput: string;
}

/** `azd package` / the package step of `azd deploy` for one Node Functions service. */
export function runServicePackage(options: ServicePackageOptions): ServicePackageResult {
  const projectDir = path.resolve(options.projectDir);
  const service = readServiceConfig(projectDir, options.service);
  const servicePath = path.resolve(projectDir, service.project);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NODE_TEST_CONTEXT; // set by node --test for its children; azd's environment would not have it
  const steps: ServicePackageResult['steps'] = [];
  if (!isJsOrTs(service.language) || service.host !== 'function')
    throw new Error('the stand-in packages JS/TS Functions services only');
  assertNpm(servicePath);

  // 1. Restore (framework_service_node.go `Restore`): skipped when up to date.
  if (isDependenciesUpToDate(servicePath)) {
    steps.push({ step: 'restore', ms: 0, skipped: true });
  } else {
    if (options.allowInstall === false)
      throw new Error(`dependencies of ${servicePath} are not up to date and installing is not allowed here`);
    const ran = npm(['install', '--no-audit', '--no-fund', '--prefer-offline'], servicePath, env);
    steps.push({ step: 'restore', ...ran });
  }

  // 2. The `package` event: the service prepackage hook first.
  let hookOutput = '';
  const prepackage = posixHook(service, 'prepackage');
  if (prepackage) {
    const ran = runHook('prepackage', prepackage, servicePath, env);
    hookOutput = `${ran.stdout}${ran.stderr}`;
    steps.push({ step: 'prepackage hook', command: ran.command, ms: ran.ms });
  }

  // 3. framework_service_node.go `Package`: build again, package source = path + dist.
  const built = npm(['run', 'build', '--if-present'], servicePath, env);
  steps.push({ step: 'node package (build)', ...built });
  const packageSource = service.dist ? path.join(servicePath, service.dist) : servicePath;
  let entries: string[] = [];
  try {
    entries = readdirSync(packageSource);
  } catch {
    entries = [];
  }
  if (entries.length === 0) {
    throw new Error(
      `package source '${packageSource}' is empty or does not exist. If your service has custom packaging requirements create a script named 'build' within your package.json and ensure your package artifacts are written to the '${packageSource}' directory`,
    );
  }

  // 5. Checked by azd at deploy; done here so a disagreement fails as early as azd would.
  const remoteBuild = resolveFunctionAppRemoteBuild(service, servicePath);

  // 4. service_target_functionapp.go `Package` → createDeployableZip, as a folder.
  const started = Date.now();
  const zipFolder = options.zipFolder ?? mkdtempSync(path.join(tmpdir(), `${service.name}-azddeploy-`));
  createDeployableFolder(service, packageSource, zipFolder);
  steps.push({ step: 'functions package (zip)', ms: Date.now() - started });
  return { service, packageSource, zipFolder, remoteBuild, steps, hookOutput };
}

/**
 * A copy of the project as a fresh clone would have it (the files git tracks or would track,
 * as they are in the working tree now, with their times), with the checkout's node_modules
 * linked in (so Restore finds it up to date and never installs into the shared folder).
 */
export function copyProject(from: string = repoRoot): string {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: from,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const copy = mkdtempSync(path.join(tmpdir(), 'mcp-project-'));
  for (const relative of new Set(listed.stdout.split('\0').filter(Boolean))) {
    const source = path.join(from, relative);
    if (!existsSync(source)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(copy, relative)), { recursive: true });
    cpSync(source, path.join(copy, relative), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  symlinkSync(path.join(from, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

export interface CleanPackageCopy extends ServicePackageResult {
  /** The project copy the package was built from (remove when done). */
  projectCopy: string;
  /** The app as deployed: the zip-equivalent, in a temporary folder outside the checkout. */
  appRoot: string;
  ms: number;
}

/**
 * Builds the deployment package of the checkout the way azd does, from a copy of the project,
 * into a clean folder outside the checkout: what the Functions host would run.
 */
export function buildCleanPackageCopy(
  options: { env?: Record<string, string>; service?: string } = {},
): CleanPackageCopy {
  const started = Date.now();
  const projectCopy = copyProject();
  const result = runServicePackage({
    projectDir: projectCopy,
    service: options.service ?? 'api',
    env: options.env,
    allowInstall: false,
  });
  return { ...result, projectCopy, appRoot: result.zipFolder, ms: Date.now() - started };
}
