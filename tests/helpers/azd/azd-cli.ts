// A stand-in `azd` (Azure Developer CLI) for tests: azd cannot be installed here, so this follows
// azd's source (github.com/Azure/azure-dev, cli/azd, mirror HEAD ae35809f, 2026-08-21) for the
// paths this template uses. Each behaviour names the azd file and function it follows. There is no
// Azure: "ARM" is a record of deployments under .azure/<env>/.standin-deployments.json, the
// template is modelled by tests/helpers/azd/bicep-model.ts, and a zip deploy extracts the package
// folder into .azure/<env>/.standin-site/<service>/.
//
// Run it as `node --import tsx tests/helpers/azd/azd-cli.ts <args>` or put tests/helpers/azd/bin on
// PATH (hooks call `azd env set`).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomInt, randomUUID, createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import ignore from 'ignore';
import YAML from 'yaml';
import { azdMarshalDotenv, godotenvParse } from './dotenv.js';
import { envsubst } from './envsubst.js';
import { createDeployableFolder } from './package.js';
import {
  compileMainBicep,
  DeploymentError,
  evaluateDeployment,
  type CompileResult,
  type ModelResource,
  type ParamDef,
} from './bicep-model.js';

// ---------------------------------------------------------------------------------------------
// Errors and console
// ---------------------------------------------------------------------------------------------

class AzdError extends Error {
  constructor(
    message: string,
    readonly suggestion?: string,
  ) {
    super(message);
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Global flags: cmd/auto_install.go ParseGlobalFlags (--no-prompt / --non-interactive,
// AZD_NON_INTERACTIVE, and automatic no-prompt on CI or under an AI agent), -e/--environment
// (internal/env_flag.go: default from AZURE_ENV_NAME), --cwd/-C.
// ---------------------------------------------------------------------------------------------

interface Flags {
  noPrompt: boolean;
  environment?: string;
  file?: string;
  cwd?: string;
  noState: boolean;
  args: string[];
}

/** internal/tracing/resource/ci.go IsRunningOnCI. */
function isRunningOnCI(): boolean {
  for (const v of ['TF_BUILD', 'GITHUB_ACTIONS', 'APPVEYOR', 'TRAVIS', 'CIRCLECI', 'GITLAB_CI'])
    if ((process.env[v] ?? '').toLowerCase() === 'true') return true;
  return [
    'CODEBUILD_BUILD_ID',
    'JENKINS_URL',
    'TEAMCITY_VERSION',
    'JB_SPACE_API_URL',
    'bamboo.buildKey',
    'BITBUCKET_BUILD_NUMBER',
    'CI',
    'BUILD_ID',
  ].some((v) => v in process.env);
}

/** internal/runcontext/agentdetect/detect_env.go (environment variables only). */
function isRunningInAgent(): boolean {
  return [
    'AI_AGENT',
    'CLAUDE_CODE',
    'CLAUDE_CODE_ENTRYPOINT',
    'GITHUB_COPILOT_CLI',
    'GH_COPILOT',
    'COPILOT_CLI',
    'GEMINI_CLI',
    'GEMINI_CLI_NO_RELAUNCH',
    'OPENCODE',
  ].some((v) => v in process.env);
}

function goParseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { noPrompt: false, noState: false, args: [] };
  let explicit = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      if (/^-[a-zA-Z].+/.test(a) && !a.startsWith('--')) return a.slice(2);
      return argv[++i] ?? '';
    };
    if (a === '--no-prompt' || a === '--non-interactive' || a === '--no-prompt=true') {
      flags.noPrompt = true;
      explicit = true;
    } else if (
      a === '-e' ||
      (a.startsWith('-e') && !a.startsWith('--')) ||
      a === '--environment' ||
      a.startsWith('--environment=')
    )
      flags.environment = value();
    else if (a === '--file' || a.startsWith('--file=')) flags.file = value();
    else if (a === '--cwd' || a === '-C' || a.startsWith('--cwd=')) flags.cwd = value();
    else if (a === '--no-state') flags.noState = true;
    else if (a === '--debug' || a === '--all' || a === '--no-progress') continue;
    else flags.args.push(a);
  }
  let envVarPresent = false;
  if (!explicit && process.env.AZD_NON_INTERACTIVE !== undefined) {
    const parsed = goParseBool(process.env.AZD_NON_INTERACTIVE);
    if (parsed !== undefined) {
      envVarPresent = true;
      if (parsed) flags.noPrompt = true;
    }
  }
  if (!explicit && !envVarPresent && (isRunningInAgent() || isRunningOnCI())) flags.noPrompt = true;
  if (!flags.environment && process.env.AZURE_ENV_NAME) flags.environment = process.env.AZURE_ENV_NAME;
  return flags;
}

// ---------------------------------------------------------------------------------------------
// Prompts (pkg/input/console.go): read one line from fd 0 without buffering past it, so that an
// interactive hook started afterwards still gets the rest of stdin.
// ---------------------------------------------------------------------------------------------

function readLineSync(): string | undefined {
  const buf = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, 1, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      if ((error as NodeJS.ErrnoException).code === 'EOF') return line || undefined;
      throw error;
    }
    if (n === 0) return line.length > 0 ? line : undefined;
    const c = buf.toString('latin1');
    if (c === '\n') return line.replace(/\r$/, '');
    line += c;
  }
}

function prompt(message: string): string {
  process.stdout.write(`? ${message} `);
  const answer = readLineSync();
  if (answer === undefined) throw new AzdError('prompting for value: EOF');
  return answer;
}

function confirm(noPrompt: boolean, message: string, defaultValue: boolean): boolean {
  // AskerConsole.Confirm: in no-prompt mode the default is taken.
  if (noPrompt) return defaultValue;
  const answer = prompt(`${message} (${defaultValue ? 'Y/n' : 'y/N'})`)
    .trim()
    .toLowerCase();
  if (answer === '') return defaultValue;
  return answer === 'y' || answer === 'yes';
}

// ---------------------------------------------------------------------------------------------
// Project: pkg/environment/azdcontext (azure.yaml found from the cwd upwards), pkg/project
// ---------------------------------------------------------------------------------------------

type HookConfig = {
  shell?: string;
  kind?: string;
  run?: string;
  dir?: string;
  interactive?: boolean;
  continueOnError?: boolean;
  posix?: HookConfig;
  windows?: HookConfig;
};
type Hooks = Record<string, HookConfig[]>;
interface ServiceConfig {
  name: string;
  project: string;
  language: string;
  host: string;
  remoteBuild?: boolean;
  /** `dist` (OutputPath). */
  dist?: string;
  /** `condition` (osutil.ExpandableString): the service is deployed only when it expands to a truthy value. */
  condition?: string;
  hooks: Hooks;
  path: string;
}
interface Project {
  root: string;
  name: string;
  hooks: Hooks;
  services: ServiceConfig[];
  infraPath: string;
  module: string;
}

/** ext.HookConfig in azure.yaml: one config or a list (map[string][]*HookConfig). */
function normaliseHooks(raw: unknown): Hooks {
  const hooks: Hooks = {};
  for (const [name, value] of Object.entries((raw ?? {}) as Record<string, unknown>))
    hooks[name] = (Array.isArray(value) ? value : [value]) as HookConfig[];
  return hooks;
}

function loadProject(cwd: string): Project {
  let dir = path.resolve(cwd);
  while (!existsSync(path.join(dir, 'azure.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new AzdError('no project exists; to create a new project, run `azd init`');
    dir = parent;
  }
  const doc = YAML.parse(readFileSync(path.join(dir, 'azure.yaml'), 'utf8')) as Record<string, any>;
  checkRequiredAzdVersion(doc.requiredVersions?.azd);
  // importer.go ServiceStable: without `uses:` dependencies, services in alphabetical order.
  const services = Object.entries((doc.services ?? {}) as Record<string, any>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, svc]) => ({
      name,
      project: svc.project ?? '.',
      language: svc.language === 'typescript' ? 'ts' : svc.language === 'javascript' ? 'js' : svc.language,
      host: svc.host,
      remoteBuild: svc.remoteBuild,
      dist: svc.dist,
      condition: svc.condition === undefined || svc.condition === null ? undefined : String(svc.condition),
      hooks: normaliseHooks(svc.hooks),
      path: path.resolve(dir, svc.project ?? '.'),
    }));
  return {
    root: dir,
    name: doc.name,
    hooks: normaliseHooks(doc.hooks),
    services,
    infraPath: path.join(dir, doc.infra?.path ?? 'infra'),
    module: doc.infra?.module ?? 'main',
  };
}

// ---------------------------------------------------------------------------------------------
// requiredVersions.azd: pkg/project/project.go Load, with github.com/blang/semver/v4 ParseRange
// (range.go: splitAndTrim keeps an operator with its version, `||` alternatives of
// space-separated comparators; wildcards are not modelled). The stand-in is the azd of the mirror
// it follows (cli/azd/CHANGELOG.md there: 1.32.0-beta.1); AZD_STANDIN_VERSION plays another.
// ---------------------------------------------------------------------------------------------

export const STANDIN_AZD_VERSION = '1.32.0-beta.1';

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

function parseSemVer(text: string): SemVer {
  const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!m) throw new Error(`invalid version ${JSON.stringify(text)}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [] };
}

/** semver.Version.Compare. */
function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const [x, y] = [a.pre[i]!, b.pre[i]!];
    const [xn, yn] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (x === y) continue;
    if (xn && yn) return Number(x) < Number(y) ? -1 : 1;
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}

/** semver.ParseRange: a predicate, or an Error for a malformed range. */
export function parseSemVerRange(range: string): (version: string) => boolean {
  // splitAndTrim: split at spaces not preceded (ignoring spaces) by '>', '<' or '='; drop spaces.
  const parts: string[] = [];
  let last = 0;
  let lastChar = '';
  for (let i = 0; i < range.length; i++) {
    if (range[i] === ' ' && !['>', '<', '='].includes(lastChar)) {
      if (last < i - 1) parts.push(range.slice(last, i));
      last = i + 1;
    } else if (range[i] !== ' ') lastChar = range[i]!;
  }
  if (last < range.length - 1) parts.push(range.slice(last));
  const alternatives: string[][] = [[]];
  for (const part of parts.map((p) => p.replaceAll(' ', ''))) {
    if (part === '||') alternatives.push([]);
    else alternatives.at(-1)!.push(part);
  }
  const tests = alternatives.map((comparators) => {
    if (comparators.length === 0) throw new Error('Could not get version from string: ""');
    return comparators.map((comparator) => {
      const m = /^(>=|<=|==|!=|>|<|=|!)?(.*)$/.exec(comparator)!;
      const want = parseSemVer(m[2]!);
      const op = m[1] ?? '';
      return (v: SemVer) => {
        const c = compareSemVer(v, want);
        return op === '>'
          ? c > 0
          : op === '>='
            ? c >= 0
            : op === '<'
              ? c < 0
              : op === '<='
                ? c <= 0
                : op === '!' || op === '!='
                  ? c !== 0
                  : c === 0;
      };
    });
  });
  return (version) => {
    const v = parseSemVer(version);
    return tests.some((all) => all.every((test) => test(v)));
  };
}

function checkRequiredAzdVersion(range: unknown): void {
  if (range === undefined || range === null) return;
  let supported: (version: string) => boolean;
  try {
    supported = parseSemVerRange(String(range));
  } catch (error) {
    throw new AzdError(`${range} is not a valid semver range (for requiredVersions.azd): ${(error as Error).message}`);
  }
  const version = process.env.AZD_STANDIN_VERSION ?? STANDIN_AZD_VERSION;
  if (!supported(version))
    throw new AzdError(
      `this project requires a version of azd within the range '${range}', but you have '${version}'. Visit https://aka.ms/azure-dev/install to install a supported version.`,
    );
}

// ---------------------------------------------------------------------------------------------
// Service conditions: pkg/project/service_config.go (IsEnabled, isConditionTrue) and
// pkg/project/importer.go (ServiceStableFiltered). Callers pass the environment lookup azd uses:
// `azd up` (internal/cmd/up_graph.go initializeServices, once, before the graph's hooks) and
// `azd deploy` (internal/cmd/deploy.go, after the predeploy hook) the azd environment's Getenv;
// `azd package` (cmd/package.go) os.Getenv, the process environment alone.
// ---------------------------------------------------------------------------------------------

/** service_config.go isConditionTrue. */
const isConditionTrue = (value: string) => ['1', 'true', 'TRUE', 'True', 'yes', 'YES', 'Yes'].includes(value);

/** ServiceConfig.IsEnabled: no condition, enabled; else the expanded condition must be truthy. */
function isEnabled(svc: ServiceConfig, getenv: (name: string) => string): boolean {
  if (svc.condition === undefined || svc.condition === '') return true;
  let value: string;
  try {
    value = envsubst(svc.condition, getenv);
  } catch (error) {
    throw new AzdError(`service '${svc.name}': malformed deployment condition template: ${(error as Error).message}`);
  }
  return isConditionTrue(value);
}

/** ImportManager.ServiceStableFiltered (with getTargetServiceName's existence check, internal/cmd/util.go). */
function serviceStableFiltered(
  project: Project,
  targetServiceName: string | undefined,
  getenv: (name: string) => string,
): ServiceConfig[] {
  if (targetServiceName) {
    const svc = project.services.find((s) => s.name === targetServiceName);
    if (!svc) throw new AzdError(`service name '${targetServiceName}' doesn't exist`);
    if (!isEnabled(svc, getenv)) {
      const conditionValue = (() => {
        try {
          return envsubst(svc.condition ?? '', getenv);
        } catch {
          return '';
        }
      })();
      throw new AzdError(
        `service '${svc.name}' has a deployment condition that evaluated to '${conditionValue}'. The service requires a truthy value (1, true, TRUE, True, yes, YES, Yes) to be enabled`,
      );
    }
    return [svc];
  }
  return project.services.filter((svc) => isEnabled(svc, getenv));
}

// ---------------------------------------------------------------------------------------------
// Environments: pkg/environment/environment.go, local_file_data_store.go, manager.go; config and
// its local vault: pkg/config/config.go (SetSecret), file_config_manager.go (AZD_CONFIG_DIR).
// ---------------------------------------------------------------------------------------------

interface Env {
  name: string;
  dotenv: Record<string, string>;
  deleted: Set<string>;
  config: Record<string, any>;
}

const azdConfigDir = () => process.env.AZD_CONFIG_DIR ?? path.join(homedir(), '.azd');
const envRoot = (project: Project, name: string) => path.join(project.root, '.azure', name);

/** environment.New: AZURE_ENV_NAME set, config from AZD_INITIAL_ENVIRONMENT_CONFIG (getInitialConfig). */
function newEnv(name: string, values?: Record<string, string>): Env {
  let config: Record<string, any> = {};
  if (process.env.AZD_INITIAL_ENVIRONMENT_CONFIG) {
    try {
      config = JSON.parse(process.env.AZD_INITIAL_ENVIRONMENT_CONFIG);
    } catch {
      config = {};
    }
  }
  return { name, dotenv: values ? { ...values } : { AZURE_ENV_NAME: name }, deleted: new Set(), config };
}

/** Environment.Getenv / LookupEnv: the azd environment first, then the process environment. */
const lookupEnv = (env: Env, key: string): string | undefined =>
  key in env.dotenv ? env.dotenv[key] : process.env[key];
const getenv = (env: Env, key: string) => lookupEnv(env, key) ?? '';

/** Environment.Dotenv: drops LD_* and DYLD_* keys. */
function dotenvOf(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env.dotenv).filter(([k]) => !/^(LD_|DYLD_)/i.test(k)));
}

/** LocalFileDataStore.acquireEnvLock: an OS lock per environment, polled. */
function withEnvLock<T>(project: Project, env: Env, fn: () => T): T {
  const dir = envRoot(project, env.name);
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.env.lock');
  const deadline = Date.now() + 30_000;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline)
        throw new AzdError(`locking .env: ${(error as Error).message}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 15);
    }
  }
  try {
    return fn();
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

/** LocalFileDataStore.reloadLocked: .env with godotenv.Read, config.json. */
function reloadLocked(project: Project, env: Env): void {
  const dotenvPath = path.join(envRoot(project, env.name), '.env');
  env.dotenv = existsSync(dotenvPath) ? godotenvParse(readFileSync(dotenvPath, 'utf8')) : {};
  env.deleted = new Set();
  const configPath = path.join(envRoot(project, env.name), 'config.json');
  env.config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
}

function reloadEnv(project: Project, env: Env): void {
  withEnvLock(project, env, () => reloadLocked(project, env));
}

/**
 * LocalFileDataStore.Save: the config is written as it is in memory (whole file); the .env is
 * re-read from disk, the in-memory values laid over it, deleted keys removed, then written
 * atomically (temp file + rename) with godotenv.Marshal and azd's fixup.
 */
function saveEnv(project: Project, env: Env): void {
  withEnvLock(project, env, () => {
    const dir = envRoot(project, env.name);
    writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(env.config, null, 2)}\n`);
    const current = { ...env.dotenv };
    const deleted = new Set(env.deleted);
    const config = env.config;
    reloadLocked(project, env);
    env.config = config;
    Object.assign(env.dotenv, current);
    for (const key of deleted) delete env.dotenv[key];
    const tmp = path.join(dir, `.env.tmp-${randomUUID()}`);
    writeFileSync(tmp, `${azdMarshalDotenv(env.dotenv)}\n`);
    renameSync(tmp, path.join(dir, '.env'));
  });
}

/** config.Get with vault references resolved (config.go interpolateNodeValue; vaults in AZD_CONFIG_DIR/vaults/<id>.json). */
function configGet(env: Env, key: string): unknown {
  let node: any = env.config;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = node[part];
  }
  const m = typeof node === 'string' ? /^vault:\/\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/i.exec(node) : null;
  if (m) {
    const vaultFile = path.join(azdConfigDir(), 'vaults', `${m[1]}.json`);
    const vault = existsSync(vaultFile)
      ? JSON.parse(readFileSync(vaultFile, 'utf8'))
      : (env.config.__pendingVault ?? {});
    const encoded = vault[m[2]!];
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  }
  return node;
}

function configSet(env: Env, key: string, value: unknown): void {
  let node: any = env.config;
  const parts = key.split('.');
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts[parts.length - 1]!] = value;
}

/** config.SetSecret: the value goes to a local vault (AZD_CONFIG_DIR/vaults/<id>.json, base64), the config keeps vault://<id>/<uuid>. */
function configSetSecret(env: Env, key: string, value: string, persistVault: boolean): void {
  let vaultId = env.config.vault as string | undefined;
  if (!vaultId) {
    vaultId = randomUUID();
    env.config.vault = vaultId;
  }
  const pathId = randomUUID();
  if (persistVault) {
    const vaultFile = path.join(azdConfigDir(), 'vaults', `${vaultId}.json`);
    mkdirSync(path.dirname(vaultFile), { recursive: true });
    const vault = existsSync(vaultFile) ? JSON.parse(readFileSync(vaultFile, 'utf8')) : {};
    vault[pathId] = Buffer.from(value).toString('base64');
    writeFileSync(vaultFile, JSON.stringify(vault, null, 2));
  }
  configSet(env, key, `vault://${vaultId}/${pathId}`);
}

function readProjectState(project: Project): { version?: number; defaultEnvironment?: string } {
  const file = path.join(project.root, '.azure', 'config.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/** azdcontext.SetProjectState. */
function setDefaultEnvironment(project: Project, name: string): void {
  mkdirSync(path.join(project.root, '.azure'), { recursive: true });
  writeFileSync(
    path.join(project.root, '.azure', 'config.json'),
    JSON.stringify({ version: 1, defaultEnvironment: name }, null, 2),
  );
}

const ENV_NAME_RE = /^[a-zA-Z0-9-()_.]{1,64}$/;
const listEnvs = (project: Project) =>
  existsSync(path.join(project.root, '.azure'))
    ? readdirSync(path.join(project.root, '.azure'), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    : [];

/** manager.Get: load from disk and make sure AZURE_ENV_NAME matches the name. */
function getEnv(project: Project, name: string): Env | undefined {
  if (!existsSync(envRoot(project, name))) return undefined;
  const env = newEnv(name);
  reloadEnv(project, env);
  if (env.dotenv.AZURE_ENV_NAME !== name) {
    env.dotenv.AZURE_ENV_NAME = name;
    saveEnv(project, env);
  }
  return env;
}

/** manager.LoadOrInitInteractive / loadOrInitEnvironment / ensureValidEnvironmentName. */
function loadOrInitEnv(project: Project, flags: Flags): Env {
  let name = flags.environment || readProjectState(project).defaultEnvironment || '';
  if (name) {
    const existing = getEnv(project, name);
    if (existing) return existing;
    if (!confirm(flags.noPrompt, `Environment '${name}' does not exist, would you like to create it?`, true))
      throw new AzdError(`environment '${name}' not found: 'environment not found'`);
  }
  if (name && !ENV_NAME_RE.test(name))
    throw new AzdError(
      `environment name '${name}' is invalid (it should contain only alphanumeric characters and hyphens)`,
    );
  if (!name) {
    if (flags.noPrompt) {
      name = path
        .basename(project.root)
        .replace(/[^a-zA-Z0-9\-()_.]/g, '-')
        .slice(0, 64);
      out(`Using environment name: ${name}`);
    } else {
      name = prompt('Enter a unique environment name:').trim();
    }
  }
  const env = newEnv(name);
  saveEnv(project, env);
  if (
    listEnvs(project).length === 1 ||
    confirm(flags.noPrompt, `Set new environment '${name}' as default environment?`, true)
  ) {
    setDefaultEnvironment(project, name);
    out(`\nNew environment '${name}' created and set as default`);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Hooks: pkg/ext/hooks_manager.go (GetByParams, filterConfigs), hooks_runner.go (RunHooks,
// execHook, handleHookError), models.go (validate: an existing file or an inline script),
// pkg/tools/bash/bash.go (inline script -> temp file "#!/bin/sh\nset -e ..."; run through
// `/bin/sh -c <path>`), pkg/tools/script.go CreateInlineTempScript, pkg/exec/command_runner.go
// (env = os.Environ() + azd values, later entries win; interactive -> stdio attached; otherwise
// stdin empty, output captured, own process group: cmdtree_posix.go).
// ---------------------------------------------------------------------------------------------

interface Ctx {
  project: Project;
  env: Env;
  flags: Flags;
  /** Children to kill when a concurrent step fails (exegraph FailFast cancels the context). */
  running: Set<ChildProcess>;
}

function runProcess(
  ctx: Ctx,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; interactive: boolean; label: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: options.interactive ? 'inherit' : ['pipe', 'pipe', 'pipe'],
      detached: !options.interactive,
    });
    ctx.running.add(child);
    let stdout = '';
    let stderr = '';
    if (!options.interactive) {
      child.stdin!.end();
      // The console previewer shows a non-interactive hook's output while it runs.
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk;
        process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '  '));
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk;
        process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '  '));
      });
    }
    child.on('error', (error) => {
      ctx.running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      ctx.running.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** command_runner.go appendEnv: os.Environ() then the azd values (Go's exec keeps the last duplicate). */
function hookEnvironment(env: Env): NodeJS.ProcessEnv {
  return { ...process.env, ...dotenvOf(env) };
}

async function execHook(ctx: Ctx, name: string, raw: HookConfig, cwd: string): Promise<void> {
  // filterConfigs: the posix block replaces the hook on Linux/macOS.
  const hook = raw.posix ?? raw;
  if (!hook.run)
    throw new AzdError(
      `hook configuration for '${name}' is invalid, 'run' is required for every hook configuration. Set 'run' to an inline script or a relative file path`,
    );
  const kind = hook.kind ?? hook.shell ?? (/\.sh$/.test(hook.run) ? 'sh' : undefined);
  const candidate = path.resolve(hook.dir ? path.resolve(cwd, hook.dir) : cwd, hook.run);
  const isFile = existsSync(candidate) && statSync(candidate).isFile();
  if (kind !== 'sh' && kind !== 'bash')
    throw new AzdError(`azd stand-in: hook kind '${kind ?? 'default'}' of '${name}' is not modelled (only sh)`);
  let scriptPath = candidate;
  let tempFile: string | undefined;
  if (!isFile) {
    tempFile = path.join(mkdtempSync(path.join(tmpdir(), `azd-${name}-`)), `script.sh`);
    writeFileSync(tempFile, `#!/bin/sh\nset -e\n\n# Auto generated file from Azure Developer CLI\n${hook.run}\n`, {
      mode: 0o755,
    });
    chmodSync(tempFile, 0o755);
    scriptPath = tempFile;
  }
  const resolvedDir = hook.dir ? path.resolve(cwd, hook.dir) : cwd;
  try {
    const interactive = hook.interactive === true;
    if (!interactive) out(`\n  ${name} Hook Output`);
    const result = await runProcess(ctx, '/bin/sh', ['-c', scriptPath], {
      cwd: resolvedDir,
      env: hookEnvironment(ctx.env),
      interactive,
      label: name,
    });
    if (result.code !== 0) {
      const detail = interactive
        ? `exit code: ${result.code}`
        : `exit code: ${result.code}, stdout: ${result.stdout}, stderr: ${result.stderr}`;
      const message = `'${name}' hook failed with exit code: '${result.code}', Path: '${scriptPath}'. : ${detail}`;
      if (hook.continueOnError) {
        out(`WARNING: ${message}`);
        out('Execution will continue since ContinueOnError has been set to true.');
        return;
      }
      throw new AzdError(message);
    }
  } finally {
    if (tempFile) rmSync(path.dirname(tempFile), { recursive: true, force: true });
  }
}

/** HooksRunner.RunHooks: each matching hook, with the environment reloaded from disk before and after. */
async function runHooks(ctx: Ctx, hooks: Hooks, type: 'pre' | 'post', command: string, cwd: string): Promise<void> {
  const wanted = `${type}${command.replace(/^azd/, '').trim().replaceAll(' ', '')}`.toLowerCase();
  for (const [name, configs] of Object.entries(hooks)) {
    if (name !== wanted) continue;
    for (const config of configs) {
      if (!config) continue;
      reloadEnv(ctx.project, ctx.env);
      await execHook(ctx, name, config, cwd);
      reloadEnv(ctx.project, ctx.env);
    }
  }
}

/** cmd/middleware/hooks.go registerCommandHooks / HooksRunner.Invoke: pre<cmd>, the action, post<cmd>. */
async function withCommandHooks<T>(ctx: Ctx, command: string, action: () => Promise<T>): Promise<T> {
  try {
    await runHooks(ctx, ctx.project.hooks, 'pre', command, ctx.project.root);
  } catch (error) {
    throw new AzdError(`failed running pre hooks: ${(error as Error).message}`);
  }
  const result = await action();
  try {
    await runHooks(ctx, ctx.project.hooks, 'post', command, ctx.project.root);
  } catch (error) {
    throw new AzdError(`failed running post hooks: ${(error as Error).message}`);
  }
  return result;
}

/** project.runCommand for a service event: service-level pre/post hooks (cwd = service path) around the step. */
async function runServiceEvent<T>(ctx: Ctx, svc: ServiceConfig, event: string, fn: () => Promise<T>): Promise<T> {
  await runHooks(ctx, svc.hooks, 'pre', event, svc.path);
  const result = await fn();
  await runHooks(ctx, svc.hooks, 'post', event, svc.path);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Provisioning: pkg/infra/provisioning/bicep/bicep_provider.go (Initialize, EnsureEnv,
// compileBicep, ensureParameters, loadParameters, evalParamEnvSubst, armParameterFileValue,
// Deploy, parametersHash, deploymentState), missing_inputs.go, prompt.go (autoGenerate,
// promptForParameter), pkg/password/generator.go, provisioning/manager.go (EnsureSubscription,
// UpdateEnvironment).
// ---------------------------------------------------------------------------------------------

interface Provider {
  compiled?: CompileResult;
}

/** The stand-in's current principal (auth's CurrentPrincipalId/Type, used for ${AZURE_PRINCIPAL_ID}/${AZURE_PRINCIPAL_TYPE}). */
const principal = () => ({
  id: process.env.AZD_STANDIN_PRINCIPAL_ID ?? '11111111-1111-1111-1111-111111111111',
  type: process.env.AZD_STANDIN_PRINCIPAL_TYPE ?? 'User',
});

/** compileBicep with compileBicepMemoryCache: one compile per provider instance. */
function compile(ctx: Ctx, provider: Provider): CompileResult {
  if (!provider.compiled) {
    try {
      provider.compiled = compileMainBicep(ctx.project.infraPath, ctx.project.module);
    } catch (error) {
      throw new AzdError(`compiling bicep template: ${(error as Error).message}`);
    }
  }
  return provider.compiled;
}

/** provisioning.EnsureSubscription: a value from the process environment is persisted into .env. */
function ensureSubscription(ctx: Ctx, env: Env, save: boolean): void {
  let sub = getenv(env, 'AZURE_SUBSCRIPTION_ID');
  if (!sub) {
    if (ctx.flags.noPrompt)
      throw new AzdError('prompt required: subscription (set the AZURE_SUBSCRIPTION_ID environment variable)');
    sub = prompt('Select an Azure Subscription to use:').trim();
  }
  if (env.dotenv.AZURE_SUBSCRIPTION_ID !== sub) {
    env.dotenv.AZURE_SUBSCRIPTION_ID = sub;
    if (save) saveEnv(ctx.project, env);
  }
}

/** password.Generate. */
function generatePassword(config: Record<string, any>): string {
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  const digits = '0123456789';
  const symbols = '-_.{}~()*+!';
  const clusters: [number, boolean, string][] = [
    [config.minLower ?? 0, config.noLower === true, lower],
    [config.minUpper ?? 0, config.noUpper === true, upper],
    [config.minNumeric ?? 0, config.noNumeric === true, digits],
    [config.minSpecial ?? 0, config.noSpecial === true, symbols],
  ];
  const clustersLength = clusters.reduce((n, [min]) => n + min, 0);
  const total = config.length || clustersLength;
  if (clustersLength > total)
    throw new AzdError(
      'the sum of MinLower, MinUpper, MinNumeric, and MinSpecial must be less than or equal to the length',
    );
  if (total === 0)
    throw new AzdError(
      'either Length or the sum of MinLower, MinUpper, MinNumeric, and MinSpecial must be greater than 0',
    );
  const chars: string[] = [];
  for (const [min, disallowed, alphabet] of clusters) {
    if (disallowed && min > 0) throw new AzdError('cluster size is greater than 0 but the condition is false');
    for (let i = 0; i < min; i++) chars.push(alphabet[randomInt(alphabet.length)]!);
  }
  const allowed = clusters.filter(([, disallowed]) => !disallowed).map(([, , alphabet]) => alphabet);
  if (allowed.length === 0 && chars.length < total) throw new AzdError('all character types are disallowed');
  while (chars.length < total) {
    const charset = allowed.map((alphabet) => alphabet[randomInt(alphabet.length)]!).join('');
    chars.push(charset[randomInt(charset.length)]!);
  }
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

interface LoadedParameters {
  parameters: Record<string, { value?: unknown; reference?: unknown }>;
  locationParams: string[];
  envMapping: Record<string, string[]>;
}

/** BicepProvider.loadParameters + evalParamEnvSubst. */
function loadParameters(ctx: Ctx, env: Env, compiled: CompileResult): LoadedParameters {
  const file = path.join(ctx.project.infraPath, `${ctx.project.module}.parameters.json`);
  const result: LoadedParameters = { parameters: {}, locationParams: [], envMapping: {} };
  if (!existsSync(file)) return result;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    parameters: Record<string, { value?: unknown; reference?: unknown }>;
  };
  const me = principal();
  for (const [name, param] of Object.entries(doc.parameters ?? {})) {
    const def = compiled.params.find((p) => p.name === name);
    const mapped: string[] = [];
    let hasUnset = false;
    const mapping = (variable: string) => {
      if (variable === 'AZURE_PRINCIPAL_ID') return me.id;
      if (variable === 'AZURE_PRINCIPAL_TYPE') return me.type;
      if (variable === 'AZURE_LOCATION') result.locationParams.push(name);
      mapped.push(variable);
      const value = lookupEnv(env, variable);
      if (value === undefined) hasUnset = true;
      return value ?? '';
    };
    // Path A: array/object parameter given as a string: substitute, then parse as JSON.
    if (
      def &&
      (def.type === 'array' || def.type === 'object') &&
      param.reference === undefined &&
      typeof param.value === 'string'
    ) {
      const replaced = envsubst(param.value, mapping);
      result.envMapping[name] = mapped;
      if (replaced === '' && hasUnset) continue;
      try {
        result.parameters[name] = { value: JSON.parse(replaced) };
      } catch (error) {
        throw new AzdError(
          `resolving bicep parameters file: substituting parameter '${name}' (${def.type}): ${(error as Error).message}: value '${replaced}' is not valid JSON`,
        );
      }
      continue;
    }
    // Path B: substitute in the parameter's JSON text, then decode it.
    const replaced = envsubst(JSON.stringify(param), mapping);
    result.envMapping[name] = mapped;
    let resolved: { value?: unknown; reference?: unknown };
    try {
      resolved = JSON.parse(replaced);
    } catch (error) {
      throw new AzdError(
        `resolving bicep parameters file: error unmarshalling Bicep template parameters: ${(error as Error).message}`,
      );
    }
    if ((resolved.value === undefined || resolved.value === null) && resolved.reference === undefined) continue;
    if (typeof resolved.value === 'string' && resolved.value === '' && hasUnset) continue;
    result.parameters[name] = resolved;
  }
  return result;
}

/** armParameterFileValue. */
function armParameterFileValue(def: ParamDef, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  switch (def.type) {
    case 'bool': {
      const parsed = goParseBool(value);
      return parsed ?? null;
    }
    case 'int':
      return /^[+-]?\d+$/.test(value) ? Number(value) : null;
    case 'string':
      if (value !== '') return value;
      if (typeof def.defaultValue === 'string' && value !== def.defaultValue) return value;
      return null;
    default:
      return value;
  }
}

function isAssignable(def: ParamDef, value: unknown): boolean {
  switch (def.type) {
    case 'array':
      return Array.isArray(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === 'string';
  }
}

/** MissingInputsError.ToString (missing_inputs.go). */
function missingInputsMessage(prompts: ParamDef[], envMapping: Record<string, string[]>): string {
  const sep = '──────────────────────────────────────────────────────────────';
  let s = `${sep}\nProvision cannot continue (interactive prompts disabled)\n${sep}\n\n`;
  s += prompts.length === 1 ? '1 required input is missing.\n' : `${prompts.length} required inputs are missing.\n`;
  s += '\nMissing required inputs:\n\n';
  for (const p of prompts) {
    s += `• ${p.name}\n`;
    if (envMapping[p.name]?.length) s += `    Environment variable: ${envMapping[p.name]!.join(', ')}\n`;
    s += `    Environment configuration key: infra.parameters.${p.name}\n`;
    s += `    Type: ${p.type === 'bool' ? 'bool' : p.type}\n`;
    const details: string[] = [];
    if (p.minLength !== undefined && p.maxLength !== undefined) details.push(`Length: ${p.minLength}–${p.maxLength}`);
    else if (p.minLength !== undefined) details.push(`Min length: ${p.minLength}`);
    else if (p.maxLength !== undefined) details.push(`Max length: ${p.maxLength}`);
    if (p.secure) details.push('Secure: true');
    if (details.length) s += `    Constraints:\n${details.map((d) => `        ${d}\n`).join('')}`;
    if (p.description) s += `    Description: ${p.description}\n`;
    s += '\n';
  }
  s += `${sep}\n\nYou can resolve these by:\n\n`;
  let option = 1;
  if (prompts.some((p) => envMapping[p.name]?.length)) {
    s += `${option}) Setting environment variables\n     azd env set <ENV_VAR_NAME> <value>\n\n`;
    option = 2;
  }
  s += `${option}) Setting environment configuration\n     azd env config set infra.parameters.<paramName> <value>\n\nThen re-run:\n     azd provision\n`;
  return s;
}

/** BicepProvider.ensureParameters (`persist`: whether the env manager saves; always true for the paths modelled). */
function ensureParameters(ctx: Ctx, env: Env, compiled: CompileResult, persist: boolean): Record<string, unknown> {
  const systemLocation = process.env.AZURE_LOCATION;
  if (systemLocation && !('AZURE_LOCATION' in env.dotenv)) {
    env.dotenv.AZURE_LOCATION = systemLocation;
    if (persist) saveEnv(ctx.project, env);
  }
  const loaded = loadParameters(ctx, env, compiled);
  const configured: Record<string, unknown> = {};
  const prompts: ParamDef[] = [];
  let configModified = false;
  for (const def of [...compiled.params].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (loaded.locationParams.includes(def.name) && def.azd?.type && def.azd.type !== 'location') {
      throw new AzdError(
        `parameter ${def.name} is mapped to AZURE_LOCATION but has a different azd metadata type: ${def.azd.type}.Parameters mapped to AZURE_LOCATION can only be typed as location`,
      );
    }
    const fromFile = loaded.parameters[def.name];
    if (fromFile) {
      if (fromFile.reference !== undefined) {
        configured[def.name] = fromFile;
        continue;
      }
      const value = armParameterFileValue(def, fromFile.value);
      if (value !== null && value !== undefined) {
        configured[def.name] = value;
        continue;
      }
    }
    if (def.hasDefault) continue;
    const saved = configGet(env, `infra.parameters.${def.name}`);
    if (saved !== undefined && isAssignable(def, saved)) {
      configured[def.name] = saved;
      continue;
    }
    if (def.type === 'string' && def.azd?.type === 'generate') {
      if (!def.azd.config) throw new AzdError(`auto generation metadata config is missing for parameter '${def.name}'`);
      const value = generatePassword(def.azd.config);
      configured[def.name] = value;
      if (def.secure) configSetSecret(env, `infra.parameters.${def.name}`, value, persist);
      else configSet(env, `infra.parameters.${def.name}`, value);
      configModified = true;
      continue;
    }
    prompts.push(def);
  }
  if (prompts.length > 0 && ctx.flags.noPrompt)
    throw new AzdError(`missing required inputs\n\n${missingInputsMessage(prompts, loaded.envMapping)}`);
  for (const def of prompts) {
    const answer = prompt(
      `Enter a value for the '${def.name}' infrastructure ${def.secure ? 'secured parameter' : 'parameter'}:`,
    );
    const value =
      def.type === 'bool'
        ? (goParseBool(answer) ?? false)
        : def.type === 'int'
          ? Number(answer)
          : def.type === 'array' || def.type === 'object'
            ? JSON.parse(answer)
            : answer;
    // prompt.go promptForParameter: a location parameter mapped to AZURE_LOCATION, prompted while
    // AZURE_LOCATION is not defined, sets AZURE_LOCATION in the .env and saves it at once (so the
    // next ensureParameters, e.g. the provision step of `up`, reads it instead of asking again).
    if (loaded.locationParams.includes(def.name) && lookupEnv(env, 'AZURE_LOCATION') === undefined) {
      env.dotenv.AZURE_LOCATION = String(value);
      env.deleted.delete('AZURE_LOCATION');
      if (persist) saveEnv(ctx.project, env);
    }
    if (def.name !== 'location') {
      if (def.secure) configSetSecret(env, `infra.parameters.${def.name}`, String(value), persist);
      else configSet(env, `infra.parameters.${def.name}`, value);
    }
    configModified = true;
    configured[def.name] = value;
  }
  if (configModified && persist) saveEnv(ctx.project, env);
  return configured;
}

/** BicepProvider.Initialize (ModeDeploy) -> EnsureEnv: compile, EnsureSubscription, ensureParameters. */
function initializeProvider(ctx: Ctx, env: Env, provider: Provider, persist: boolean): void {
  const compiled = compile(ctx, provider);
  ensureSubscription(ctx, env, persist);
  ensureParameters(ctx, env, compiled, persist);
}

interface DeploymentRecord {
  name: string;
  environment: string;
  layer: string;
  timestamp: string;
  provisioningState: 'Succeeded' | 'Failed';
  templateHash: string;
  paramsHash: string;
  subscriptionId: string;
  parameters: Record<string, unknown>;
  /** infra/mcp-plan.json as compiled into this deployment. */
  plan: Record<string, unknown>;
  outputs: Record<string, { type: string; value: unknown }>;
  /** What the deployment holds (bicep-model.ts): the resource lookup by azd-service-name tag reads it. */
  resources: ModelResource[];
  error?: string;
}

export const deploymentsFile = (projectRoot: string, envName: string) =>
  path.join(projectRoot, '.azure', envName, '.standin-deployments.json');

function readDeployments(project: Project, envName: string): DeploymentRecord[] {
  const file = deploymentsFile(project.root, envName);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
}

function appendDeployment(project: Project, envName: string, record: DeploymentRecord): void {
  const all = readDeployments(project, envName);
  all.push(record);
  mkdirSync(path.dirname(deploymentsFile(project.root, envName)), { recursive: true });
  writeFileSync(deploymentsFile(project.root, envName), JSON.stringify(all, null, 2));
}

/** parametersHash: every template parameter's value (or its default), as JSON, sha256. */
function parametersHash(compiled: CompileResult, parameters: Record<string, unknown>): string {
  const all: Record<string, unknown> = {};
  for (const def of [...compiled.params].sort((a, b) => (a.name < b.name ? -1 : 1)))
    all[def.name] = def.name in parameters ? parameters[def.name] : (def.defaultValue ?? null);
  return createHash('sha256').update(JSON.stringify(all)).digest('hex');
}

/** ARM's own parameter validation (minLength/maxLength, type) before the template is evaluated. */
function armValidate(compiled: CompileResult, parameters: Record<string, unknown>): void {
  for (const def of compiled.params) {
    const value = def.name in parameters ? parameters[def.name] : def.defaultValue;
    if (value === undefined)
      throw new DeploymentError(
        `InvalidTemplate: Deployment template validation failed: 'The value for the template parameter '${def.name}' is not provided.'`,
      );
    if (!isAssignable(def, value))
      throw new DeploymentError(
        `InvalidTemplate: Deployment template validation failed: 'Template parameter '${def.name}' has an invalid value of type ${typeof value}; expected ${def.type}.'`,
      );
    if (typeof value === 'string' && def.minLength !== undefined && value.length < def.minLength)
      throw new DeploymentError(
        `InvalidTemplate: Deployment template validation failed: 'The provided value for the template parameter '${def.name}' is not valid. Length of the value should be greater than or equal to '${def.minLength}'.'`,
      );
    if (typeof value === 'string' && def.maxLength !== undefined && value.length > def.maxLength)
      throw new DeploymentError(
        `InvalidTemplate: Deployment template validation failed: 'The provided value for the template parameter '${def.name}' is not valid. Length of the value should be less than or equal to '${def.maxLength}'.'`,
      );
  }
}

/**
 * BicepProvider.Deploy: plan() (the cached compile + ensureParameters again), the deployment-state
 * shortcut (same template hash and parameters hash as the last successful deployment: skipped,
 * its outputs reused), else the deployment. Then provisioning.Manager.Deploy -> UpdateEnvironment.
 */
function deployInfra(
  ctx: Ctx,
  env: Env,
  provider: Provider,
  persist: boolean,
): Record<string, { type: string; value: unknown }> {
  const compiled = compile(ctx, provider);
  const parameters = ensureParameters(ctx, env, compiled, persist);
  const paramsHash = parametersHash(compiled, parameters);
  const previous = readDeployments(ctx.project, env.name)
    .filter((d) => d.layer === '')
    .at(-1);
  if (
    !ctx.flags.noState &&
    previous &&
    previous.provisioningState === 'Succeeded' &&
    previous.templateHash === compiled.templateHash &&
    previous.paramsHash === paramsHash
  ) {
    out("Didn't find new changes.");
    return previous.outputs;
  }
  const subscriptionId = getenv(env, 'AZURE_SUBSCRIPTION_ID');
  const record: DeploymentRecord = {
    name: `${env.name}-${Date.now()}`,
    environment: env.name,
    layer: '',
    timestamp: new Date().toISOString(),
    provisioningState: 'Succeeded',
    templateHash: compiled.templateHash,
    paramsHash,
    subscriptionId,
    parameters,
    plan: compiled.plan,
    outputs: {},
    resources: [],
  };
  try {
    armValidate(compiled, parameters);
    const evaluated = evaluateDeployment(
      compiled,
      parameters,
      subscriptionId,
      process.env.AZURE_TENANT_ID ?? '22222222-2222-2222-2222-222222222222',
    );
    record.outputs = evaluated.outputs;
    record.resources = evaluated.resources;
  } catch (error) {
    if (!(error instanceof DeploymentError)) throw error;
    record.provisioningState = 'Failed';
    record.error = error.message;
    appendDeployment(ctx.project, env.name, record);
    throw new AzdError(
      `error deploying infrastructure: deploying to subscription:\n\nDeployment Error Details:\n${error.message}`,
    );
  }
  appendDeployment(ctx.project, env.name, record);
  return record.outputs;
}

/** provisioning.UpdateEnvironment: arrays/objects as JSON, the rest with %v. */
function updateEnvironment(env: Env, outputs: Record<string, { type: string; value: unknown }>): void {
  for (const [key, o] of Object.entries(outputs))
    env.dotenv[key] = o.type === 'array' || o.type === 'object' ? JSON.stringify(o.value) : String(o.value);
}

// ---------------------------------------------------------------------------------------------
// Services: pkg/project/service_manager.go (Restore, Package, Deploy, each in runCommand with the
// service's pre/post hooks), framework_service_node.go (Restore: node.IsDependenciesUpToDate or
// `npm install`; Package: `npm run build --if-present`), pkg/tools/node/detect.go,
// service_target_functionapp.go (Package: createDeployableZip; zipDeploy:
// resolveFunctionAppRemoteBuild), project_utils.go createDeployableZip, resource_manager.go
// (GetTargetResource).
// ---------------------------------------------------------------------------------------------

/** node.IsDependenciesUpToDate for npm. */
export function isDependenciesUpToDate(projectDir: string): boolean {
  try {
    const lock = statSync(path.join(projectDir, 'package-lock.json'));
    statSync(path.join(projectDir, 'node_modules'));
    const marker = statSync(path.join(projectDir, 'node_modules', '.package-lock.json'));
    return marker.mtimeMs >= lock.mtimeMs;
  } catch {
    return false;
  }
}

async function restoreService(ctx: Ctx, svc: ServiceConfig): Promise<void> {
  await runServiceEvent(ctx, svc, 'restore', async () => {
    if (isDependenciesUpToDate(svc.path)) {
      out(`  (${svc.name}) npm dependencies already up-to-date`);
      return;
    }
    if (process.env.AZD_STANDIN_ALLOW_NPM_INSTALL !== '1') {
      throw new AzdError(
        `azd stand-in: node.IsDependenciesUpToDate(${svc.path}) is false, so azd would run \`npm install --no-audit --no-fund --prefer-offline\` here; the stand-in refuses (shared node_modules). Make node_modules/.package-lock.json newer than package-lock.json.`,
      );
    }
    const result = await runProcess(ctx, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: svc.path,
      env: hookEnvironment(ctx.env),
      interactive: false,
      label: 'npm install',
    });
    if (result.code !== 0)
      throw new AzdError(`failed to install project ${svc.path} using npm: exit code: ${result.code}`);
  });
}

async function packageService(ctx: Ctx, svc: ServiceConfig): Promise<string> {
  // Package requires Restore (nodeProject.Requirements: RequireRestore true, RequireBuild false).
  await restoreService(ctx, svc);
  try {
    return await runServiceEvent(ctx, svc, 'package', async () => {
      const build = await runProcess(ctx, 'npm', ['run', 'build', '--if-present'], {
        cwd: svc.path,
        env: hookEnvironment(ctx.env),
        interactive: false,
        label: 'npm run build',
      });
      if (build.code !== 0)
        throw new AzdError(
          `failed to run npm script build: exit code: ${build.code}, stdout: ${build.stdout}, stderr: ${build.stderr}`,
        );
      // nodeProject.Package: the package source is the service path joined with `dist` (OutputPath).
      const source = svc.dist ? path.join(svc.path, svc.dist) : svc.path;
      if (!existsSync(source) || readdirSync(source).length === 0) {
        throw new AzdError(
          `package source '${source}' is empty or does not exist. If your service has custom packaging requirements create a script named 'build' within your package.json and ensure your package artifacts are written to the '${source}' directory`,
        );
      }
      // functionAppTarget.Package -> createDeployableZip, as the folder the zip extracts to (tests/helpers/azd/package.ts).
      const dest = path.join(mkdtempSync(path.join(tmpdir(), `${ctx.project.name}-${svc.name}-azddeploy-`)), 'package');
      createDeployableFolder({ language: svc.language, host: svc.host, remoteBuild: svc.remoteBuild }, source, dest);
      return dest;
    });
  } catch (error) {
    throw new AzdError(`failed packaging service '${svc.name}': ${(error as Error).message}`);
  }
}

/** resolveFunctionAppRemoteBuild (service_target_functionapp.go). */
export function resolveFunctionAppRemoteBuild(svc: Pick<ServiceConfig, 'language' | 'remoteBuild' | 'path'>): boolean {
  switch (svc.language) {
    case 'js':
    case 'ts': {
      const ignoreFile = '.funcignore';
      const file = path.join(svc.path, ignoreFile);
      if (!existsSync(file)) return svc.remoteBuild ?? true;
      const ig = ignore().add(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
      const nodeModulesExcluded = ig.ignores('node_modules/');
      if (svc.remoteBuild === undefined) return nodeModulesExcluded;
      if (svc.remoteBuild && !nodeModulesExcluded)
        throw new AzdError(
          `'remoteBuild: true' requires '${ignoreFile}' to exclude node_modules`,
          `Update '${ignoreFile}' to exclude node_modules, or set 'remoteBuild: false'.`,
        );
      if (!svc.remoteBuild && nodeModulesExcluded)
        throw new AzdError(
          `'remoteBuild: false' cannot be used when '${ignoreFile}' excludes node_modules`,
          `Set 'remoteBuild: true', or remove node_modules from '${ignoreFile}'.`,
        );
      return svc.remoteBuild;
    }
    case 'go':
      if (svc.remoteBuild)
        throw new AzdError(
          'remote build is not supported for Go function apps',
          "Go compiles to a static binary locally. Set 'remoteBuild: false' or remove the setting.",
        );
      return false;
    default:
      return svc.remoteBuild ?? svc.language === 'python';
  }
}

export const siteDir = (projectRoot: string, envName: string, service: string) =>
  path.join(projectRoot, '.azure', envName, '.standin-site', service);

/**
 * The resource group's resources (ARM's view: the resources of every succeeded deployment to it,
 * later ones replacing earlier ones of the same type and name; incremental mode never deletes).
 */
function resourceGroupResources(ctx: Ctx, subscriptionId: string, resourceGroup: string): ModelResource[] {
  const byId = new Map<string, ModelResource>();
  for (const d of readDeployments(ctx.project, ctx.env.name)) {
    if (d.provisioningState !== 'Succeeded' || d.subscriptionId !== subscriptionId) continue;
    if (d.outputs.AZURE_RESOURCE_GROUP?.value !== resourceGroup) continue;
    for (const resource of d.resources ?? []) byId.set(`${resource.type}/${resource.name}`.toLowerCase(), resource);
  }
  return [...byId.values()];
}

/**
 * resource_manager.go GetTargetResource -> GetServiceResource for a service without
 * `resourceName`: the resource group's resources tagged azd-service-name = the service key,
 * host types only (isHostResource: Microsoft.Web/sites...), exactly one.
 */
function getServiceResource(ctx: Ctx, svc: ServiceConfig, rerunCommand: string): ModelResource {
  const subscriptionId = getenv(ctx.env, 'AZURE_SUBSCRIPTION_ID');
  let resourceGroup = getenv(ctx.env, 'AZURE_RESOURCE_GROUP');
  if (!resourceGroup) {
    const last = readDeployments(ctx.project, ctx.env.name)
      .filter((d) => d.provisioningState === 'Succeeded')
      .at(-1);
    if (!last) throw new AzdError(`resource group for environment '${ctx.env.name}' not found: run azd provision`);
    resourceGroup = String(last.outputs.AZURE_RESOURCE_GROUP?.value ?? '');
  }
  const hosts = resourceGroupResources(ctx, subscriptionId, resourceGroup).filter(
    (r) => r.tags['azd-service-name'] === svc.name && r.type.toLowerCase() === 'microsoft.web/sites',
  );
  if (hosts.length === 0)
    throw new AzdError(
      `getting target resource: unable to find a resource tagged with 'azd-service-name: ${svc.name}'. Ensure the service resource is correctly tagged in your infrastructure configuration, and rerun ${rerunCommand}`,
    );
  if (hosts.length > 1)
    throw new AzdError(
      `getting target resource: expecting only '1' resource tagged with 'azd-service-name: ${svc.name}', but found '${hosts.length}' host resources: ${hosts.map((r) => `'${r.name}' (type: ${r.type})`).join(', ')}. Ensure a unique service resource is correctly tagged in your infrastructure configuration, and rerun ${rerunCommand}`,
    );
  return hosts[0]!;
}

/** serviceManager.Deploy: target resource (resource_manager.go), then functionAppTarget.zipDeploy. */
async function deployService(ctx: Ctx, svc: ServiceConfig, packageDir: string): Promise<void> {
  const target = getServiceResource(ctx, svc, 'provision');
  const app = target.name;
  await runServiceEvent(ctx, svc, 'deploy', async () => {
    // Flex Consumption (the model's plan SKU): remoteBuild resolved and sent with the zip.
    const remoteBuild = resolveFunctionAppRemoteBuild(svc);
    const site = siteDir(ctx.project.root, ctx.env.name, svc.name);
    rmSync(site, { recursive: true, force: true });
    mkdirSync(path.dirname(site), { recursive: true });
    renameSync(packageDir, site);
    rmSync(path.dirname(packageDir), { recursive: true, force: true });
    // What the site runs with: the package (above) and, from the last provision, its app settings.
    writeFileSync(
      path.join(path.dirname(site), `${svc.name}.json`),
      JSON.stringify(
        {
          functionApp: app,
          remoteBuild,
          deployedAt: new Date().toISOString(),
          appSettings: target.properties.appSettings ?? {},
        },
        null,
        2,
      ),
    );
    out(`  (✓) Done: Deploying service ${svc.name}\n  - Endpoint: https://${app}.azurewebsites.net/`);
  });
}

/**
 * internal/cmd/service_graph.go addServiceStepsToGraph: every service's package step runs in
 * parallel ("Package and publish steps always run in parallel regardless"; deploy steps then
 * chain in service order, without `uses:`). FailFast: the first failure cancels the rest.
 */
async function packageAll(ctx: Ctx, services: ServiceConfig[]): Promise<string[]> {
  const steps = services.map((svc) => packageService(ctx, svc));
  try {
    return await Promise.all(steps);
  } catch (error) {
    for (const child of ctx.running) killTree(child);
    await Promise.allSettled(steps);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** cmd/provision -> internal/cmd/provision.go Run, provision_graph.go provisionLayersGraph (one layer). */
async function provision(ctx: Ctx): Promise<void> {
  await withCommandHooks(ctx, 'provision', async () => {
    out('\nProvisioning Azure resources (azd provision)\nProvisioning Azure resources can take some time\n');
    const provider: Provider = {};
    initializeProvider(ctx, ctx.env, provider, true);
    const outputs = deployInfra(ctx, ctx.env, provider, true);
    updateEnvironment(ctx.env, outputs);
    saveEnv(ctx.project, ctx.env);
    out('\nSUCCESS: Your application was provisioned in Azure.');
  });
}

/**
 * internal/cmd/deploy.go: predeploy hook; the services enabled by their condition in the azd
 * environment (ServiceStableFiltered with env.Getenv; a named service that is disabled is an
 * error); the service graph (all packaged in parallel, then deployed in order); postdeploy hook.
 */
async function deploy(ctx: Ctx): Promise<void> {
  await withCommandHooks(ctx, 'deploy', async () => {
    out('\nDeploying services (azd deploy)\n');
    const services = serviceStableFiltered(ctx.project, ctx.flags.args[1], (name) => getenv(ctx.env, name));
    const packaged = await packageAll(ctx, services);
    for (const [i, svc] of services.entries()) await deployService(ctx, svc, packaged[i]!);
    out('\nSUCCESS: Your application was deployed to Azure.');
  });
}

/** cmd/package.go: the services enabled by their condition in the PROCESS environment (os.Getenv), packaged one after the other. */
async function packageCommand(ctx: Ctx): Promise<void> {
  await withCommandHooks(ctx, 'package', async () => {
    const services = serviceStableFiltered(ctx.project, ctx.flags.args[1], (name) => process.env[name] ?? '');
    for (const svc of services) {
      const dir = await packageService(ctx, svc);
      out(`  (✓) Done: Packaging service ${svc.name}\n  - Package Output: ${dir}`);
    }
    out('\nSUCCESS: Your application was packaged for Azure.');
  });
}

/**
 * cmd/up.go upAction.Run: provisioningManager.Initialize (compile + ensureParameters) BEFORE any
 * hook, then internal/cmd/up_graph.go: cmdhook-prepackage -> (cmdhook-preprovision -> provision
 * [fresh compile; ensureParameters on the shared environment; outputs
 * merged into the shared environment] -> cmdhook-postprovision -> cmdhook-predeploy) running
 * CONCURRENTLY with package-<svc>; then postpackage, publish, deploy-<svc>, cmdhook-postdeploy.
 * (The first compile captures infra/mcp-plan.json BEFORE the preprovision hook writes it.)
 * FailFast: the first failure cancels the rest.
 */
async function up(ctx: Ctx): Promise<void> {
  await withCommandHooks(ctx, 'up', async () => {
    initializeProvider(ctx, ctx.env, {}, true);
    // initializeServices: the services whose condition holds NOW, in the environment as the preup
    // hook left it; nothing later in `up` (preprovision, the provision's outputs) changes the list.
    const services = serviceStableFiltered(ctx.project, undefined, (name) => getenv(ctx.env, name));
    out('\nProvisioning and deploying (azd up)\nPackaging overlaps with provisioning for faster execution\n');
    const project = ctx.project;
    const root = project.root;
    await runHooks(ctx, project.hooks, 'pre', 'package', root);
    const packaged = new Map<string, string>();
    const packaging = (async () => {
      const dirs = await packageAll(ctx, services);
      for (const [i, svc] of services.entries()) packaged.set(svc.name, dirs[i]!);
    })();
    const provisioning = (async () => {
      await runHooks(ctx, project.hooks, 'pre', 'provision', root);
      // runProvisionSingleLayer: a new provisioning.Manager on a clone of the environment
      // (environment.NewWithValues, noopSaveEnvManager) - but the BicepProvider it resolves from the
      // IoC container (manager.go newProvider -> serviceLocator.ResolveNamed) holds the SHARED
      // environment and the real env manager, so ensureParameters reads and saves the real config.
      // A new provider instance: a fresh compile (infra/mcp-plan.json as the preprovision hook left it).
      const provider: Provider = {};
      initializeProvider(ctx, ctx.env, provider, true);
      const outputs = deployInfra(ctx, ctx.env, provider, true);
      // mergeLayerOutputsLocked: reload the shared env from disk, set the outputs, save.
      reloadEnv(project, ctx.env);
      updateEnvironment(ctx.env, outputs);
      saveEnv(project, ctx.env);
      reloadEnv(project, ctx.env);
      await runHooks(ctx, project.hooks, 'post', 'provision', root);
      await runHooks(ctx, project.hooks, 'pre', 'deploy', root);
    })();
    try {
      await Promise.all([packaging, provisioning]);
    } catch (error) {
      for (const child of ctx.running) killTree(child);
      await Promise.allSettled([packaging, provisioning]);
      throw error;
    }
    await runHooks(ctx, project.hooks, 'post', 'package', root);
    for (const svc of services) await deployService(ctx, svc, packaged.get(svc.name)!);
    await runHooks(ctx, project.hooks, 'post', 'deploy', root);
    out('\nSUCCESS: Your up workflow to provision and deploy to Azure completed.');
  });
}

function killTree(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** cmd/env.go envSetAction.Run. */
function envSet(ctx: Ctx): void {
  const args = ctx.flags.args.slice(2);
  let values: Record<string, string> = {};
  if (ctx.flags.file) {
    if (args.length > 0)
      throw new AzdError(
        'cannot combine --file flag with key-value arguments: invalid flag combination',
        "Use either '--file <path>' or '<key> <value>' arguments, not both.",
      );
    values = godotenvParse(readFileSync(ctx.flags.file, 'utf8'));
  } else if (args.length === 0) {
    throw new AzdError(
      'no environment values provided',
      "Provide values as 'azd env set <key> <value>', 'azd env set <key>=<value>', or 'azd env set --file <path>'.",
    );
  } else if (args.length === 2 && !args[0]!.includes('=')) {
    values[args[0]!] = args[1]!;
  } else {
    for (const arg of args) {
      const eq = arg.indexOf('=');
      if (eq < 0) throw new AzdError(`invalid key=value format: ${arg}`);
      values[arg.slice(0, eq)] = arg.slice(eq + 1);
    }
  }
  for (const [key, value] of Object.entries(values)) {
    const conflicts = Object.keys(ctx.env.dotenv).filter((k) => k.toLowerCase() === key.toLowerCase() && k !== key);
    if (conflicts.length === 1)
      out(`WARNING: '${key}' already exists as '${conflicts[0]}'. Did you mean to set '${conflicts[0]}' instead?`);
    ctx.env.dotenv[key] = value;
    ctx.env.deleted.delete(key);
  }
  saveEnv(ctx.project, ctx.env);
}

/** cmd/env.go envRefreshAction.Run: Initialize (EnsureEnv: compile + ensureParameters), then the outputs of the last deployment into the environment. */
function envRefresh(ctx: Ctx): void {
  out(`Refreshing environment ${ctx.env.name} (azd env refresh)`);
  initializeProvider(ctx, ctx.env, {}, true);
  const last = readDeployments(ctx.project, ctx.env.name)
    .filter((d) => d.provisioningState === 'Succeeded')
    .at(-1);
  if (!last) {
    // envRefreshAction.Run: infra.ErrDeploymentsNotFound without --hint is a message, not an error.
    out(
      `No deployment was found for environment '${ctx.env.name}'; there are no outputs to refresh yet. Run azd provision to create one.`,
    );
    return;
  }
  updateEnvironment(ctx.env, last.outputs);
  saveEnv(ctx.project, ctx.env);
  out('\nSUCCESS: Environment refreshed.');
}

async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  const [command, sub] = flags.args;
  const project = loadProject(flags.cwd ?? process.cwd());
  const ctx = (env: Env): Ctx => ({ project, env, flags, running: new Set() });
  if (command === 'env' && sub === 'new') {
    const name = flags.args[2] ?? flags.environment ?? '';
    if (name && getEnv(project, name))
      throw new AzdError(`creating new environment: environment already exists: '${name}'`);
    if (name && !ENV_NAME_RE.test(name))
      throw new AzdError(
        `environment name '${name}' is invalid (it should contain only alphanumeric characters and hyphens)`,
      );
    const env = newEnv(name);
    saveEnv(project, env);
    if (
      listEnvs(project).length === 1 ||
      flags.noPrompt ||
      confirm(false, `Set new environment '${name}' as default environment?`, true)
    ) {
      setDefaultEnvironment(project, name);
      out(`New environment '${name}' created and set as default`);
    }
    return 0;
  }
  if (command === 'env' && sub === 'list') {
    for (const name of listEnvs(project))
      out(`${name}${readProjectState(project).defaultEnvironment === name ? ' (default)' : ''}`);
    return 0;
  }
  if (command === 'env' && sub === 'select') {
    const name = flags.args[2]!;
    if (!getEnv(project, name)) throw new AzdError(`environment '${name}' does not exist`);
    setDefaultEnvironment(project, name);
    return 0;
  }
  if (command === 'env' && (sub === 'get-values' || sub === 'get-value')) {
    // envGetValuesAction.Run: -e or the default environment; it must exist.
    const name = flags.environment || readProjectState(project).defaultEnvironment;
    const env = name ? getEnv(project, name) : undefined;
    if (!env)
      throw new AzdError(
        'environment does not exist: environment not found',
        "Run 'azd env new <name>' to create an environment.",
      );
    if (sub === 'get-value') {
      const key = flags.args[2]!;
      if (!(key in env.dotenv)) throw new AzdError(`key '${key}' not found in the environment values`);
      out(env.dotenv[key]);
    } else {
      // output.DotEnvFormatter: godotenv-style KEY="value" lines.
      out(azdMarshalDotenv(dotenvOf(env)));
    }
    return 0;
  }
  const env = loadOrInitEnv(project, flags);
  const c = ctx(env);
  switch (command) {
    case 'env':
      if (sub === 'set') envSet(c);
      else if (sub === 'refresh') envRefresh(c);
      else throw new AzdError(`azd stand-in: 'env ${sub}' is not modelled`);
      return 0;
    case 'provision':
      await provision(c);
      return 0;
    case 'deploy':
      await deploy(c);
      return 0;
    case 'package':
      await packageCommand(c);
      return 0;
    case 'up':
      await up(c);
      return 0;
    default:
      throw new AzdError(`azd stand-in: command '${flags.args.join(' ')}' is not modelled`);
  }
}

const isEntry = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`\nERROR: ${message}\n`);
      if (error instanceof AzdError && error.suggestion) process.stderr.write(`Suggestion: ${error.suggestion}\n`);
      if (!(error instanceof AzdError) && error instanceof Error && error.stack)
        process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
