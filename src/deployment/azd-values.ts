import { AdapterError } from '../errors/adapter-error.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import crossSpawn from 'cross-spawn';
import type { InputDocument } from '../config/document.js';
import type { DeploymentPlan } from './plan.js';

/** A value the deployment needs from the azd environment. */
export interface NeededValue {
  azdEnvName: string;
  secret: boolean;
  /** What to show when asking for it. */
  prompt: string;
  default?: string;
}

/** azd environment variables the preprovision hook writes for main.parameters.json. */
export const SETTING_VALUES_VAR = 'MCP_SETTING_VALUES';
export const SECRET_VALUES_VAR = 'MCP_SECRET_VALUES';
export const RETIRED_CALLER_SCOPES_VAR = 'MCP_RETIRED_CALLER_SCOPES';
/** App roles removed from the config since the last provision (JSON array), for the Bicep to disable. */
export const RETIRED_APP_ROLES_VAR = 'MCP_RETIRED_APP_ROLES';
/** Kept by azd (a generated Bicep parameter) or taken from the environment; the hooks never write it. */
export const SESSION_KEY_VAR = 'MCP_ADAPTER_SESSION_KEY';
/**
 * `true` when the plan has a second app (stateful and stateless servers), else `false`: the
 * `condition` of azure.yaml's `api-stateless` service. The preup and preprovision hooks write it
 * from the config's plan (azd reads the condition before the provision's outputs exist); the
 * provision writes it too, as an output of infra/main.bicep.
 */
export const STATELESS_APP_ENABLED_VAR = 'MCP_STATELESS_APP_ENABLED';

/** The value of STATELESS_APP_ENABLED_VAR for a plan: whether it places servers in the `api-stateless` app. */
export function statelessAppEnabled(plan: Pick<DeploymentPlan, 'apps'>): 'true' | 'false' {
  return plan.apps.some((app) => app.service === 'api-stateless') ? 'true' : 'false';
}

export class AzdValuesError extends AdapterError {
  constructor(message: string) {
    super(message, { code: 'azd_values' });
  }
}

/** Every azd environment value the plan's settings and secrets come from, with how to ask for it. */
export function neededValues(plan: DeploymentPlan, inputs: InputDocument[]): NeededValue[] {
  const byInputSetting = new Map(
    inputs.map((input) => [`MCP_INPUT_${input.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, input]),
  );
  const describe = (name: string, usedAt: string[]) => {
    const input = byInputSetting.get(name);
    return { prompt: input?.description ?? `${name} (used at ${usedAt.join(', ')})`, default: input?.default };
  };
  const values: NeededValue[] = [];
  for (const setting of plan.appSettings) {
    if (setting.source === 'azd_env')
      values.push({ azdEnvName: setting.azdEnvName, secret: false, ...describe(setting.name, setting.usedAt) });
  }
  for (const secret of plan.secrets)
    values.push({ azdEnvName: secret.azdEnvName, secret: true, ...describe(secret.appSetting, secret.usedAt) });
  return values;
}

export interface CollectOptions {
  env: NodeJS.ProcessEnv;
  /** Asks the user; undefined when there is nobody to ask (CI, `--no-prompt`). */
  ask?: (value: NeededValue) => Promise<string | undefined>;
}

export interface CollectedValues {
  /** azd environment variables to store: the settings and the secrets as two base64 JSON objects. */
  set: Record<string, string>;
  missing: NeededValue[];
  /** Where each value came from (names only, for the log). */
  sources: Record<string, 'variable' | 'combined' | 'answer' | 'default'>;
}

/**
 * Gathers the values the plan needs. Each comes from, in order: its own azd environment
 * variable (`GITHUB_TOKEN`), the combined object the pipeline passes (MCP_SETTING_VALUES /
 * MCP_SECRET_VALUES: base64 JSON keyed by variable name, as this function writes them), an
 * answer when someone can be asked, the input's default. Returns the two combined variables to
 * store (only the values the plan needs) and what is missing.
 */
export async function collectAzdValues(needed: NeededValue[], options: CollectOptions): Promise<CollectedValues> {
  const combined = {
    settings: decodeCombined(SETTING_VALUES_VAR, options.env[SETTING_VALUES_VAR]),
    secrets: decodeCombined(SECRET_VALUES_VAR, options.env[SECRET_VALUES_VAR]),
  };
  const settings: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const missing: NeededValue[] = [];
  const sources: CollectedValues['sources'] = {};
  for (const value of needed) {
    const own = value.secret ? combined.secrets : combined.settings;
    let found: string | undefined;
    if (options.env[value.azdEnvName] !== undefined)
      [found, sources[value.azdEnvName]] = [options.env[value.azdEnvName], 'variable'];
    else if (Object.hasOwn(own, value.azdEnvName))
      [found, sources[value.azdEnvName]] = [own[value.azdEnvName], 'combined'];
    else if (options.ask) {
      found = await options.ask(value);
      sources[value.azdEnvName] = found === undefined ? 'default' : 'answer';
      found ??= value.default;
    } else if (value.default !== undefined) [found, sources[value.azdEnvName]] = [value.default, 'default'];
    if (found === undefined) {
      delete sources[value.azdEnvName];
      missing.push(value);
      continue;
    }
    (value.secret ? secrets : settings)[value.azdEnvName] = found;
  }
  // Base64: azd pastes string parameter values into the parameters JSON as raw text, where a `"`
  // would break it. The Bicep decodes them.
  return {
    set: { [SETTING_VALUES_VAR]: encodeValues(settings), [SECRET_VALUES_VAR]: encodeValues(secrets) },
    missing,
    sources,
  };
}

/** How to set a missing value, for the error message (never with the value itself). */
export function howToSet(value: NeededValue): string {
  return `azd env set ${value.azdEnvName} ${value.secret ? '"<secret value>"' : '"<value>"'}`;
}

export function encodeValues(values: Record<string, string>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64');
}

export function decodeValues(encoded: string): Record<string, string> {
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Record<string, string>;
}

/** A combined variable: base64 JSON object of strings, or the JSON itself, or empty. */
function decodeCombined(name: string, text: string | undefined): Record<string, string> {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw new AzdValuesError(
      `${name} is not what the preprovision hook writes (base64 of a JSON object of strings keyed by variable name); fix or remove it: azd env unset ${name}`,
    );
  }
  return value as Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Storing values: `azd env set --file`, never a value on a command line
// ---------------------------------------------------------------------------------------------

/**
 * One `.env` line that azd reads back as exactly `value`. azd parses `--file` with
 * github.com/joho/godotenv v1.5.1 (`godotenv.Parse`) and saves the environment with
 * `godotenv.Marshal`: a double-quoted value with `\`, newline, CR, `"`, `!`, `$` and backquote
 * escaped, the same escaping used here. godotenv ends a double-quoted value at the first `"` not
 * preceded by `\`, then trims every `"` at both ends; so no value ending in `\` or `"` survives
 * azd's .env. Those are refused here, with the reason.
 */
export function dotenvLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new AzdValuesError(`${name} is not a name azd's .env can hold`);
  if (/[\\"]$/.test(value)) {
    throw new AzdValuesError(
      `the value of ${name} ends with ${value.endsWith('"') ? 'a double quote' : 'a backslash'}, which azd's .env file (godotenv) cannot hold; change the value`,
    );
  }
  const escaped = value.replace(/[\\\n\r"!$`]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
  return `${name}="${escaped}"`;
}

export function dotenvText(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${dotenvLine(name, value)}\n`)
    .join('');
}

export interface StoreOptions {
  /** The azd executable (default `azd`, found on PATH; on Windows azd.exe or azd.cmd, without a shell). */
  azd?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Stores values in the current azd environment with `azd env set --file <file>`: the file is
 * written with mode 0600 in a private temporary folder and removed afterwards, also on failure.
 * azd picks the environment from AZURE_ENV_NAME, which azd gives every hook. Only what changed
 * is written: a value `options.env` already holds as is stays out of `.azure/<env>/.env` (CI
 * passes the combined settings and secrets to the provision step alone; written there, every
 * later azd step and hook would read the secrets).
 */
export function storeInAzdEnv(values: Record<string, string>, options: StoreOptions = {}): void {
  const env = options.env ?? process.env;
  const changed = Object.fromEntries(Object.entries(values).filter(([name, value]) => env[name] !== value));
  if (Object.keys(changed).length === 0) return;
  const text = dotenvText(changed);
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-azd-env-'));
  try {
    const file = path.join(dir, 'values.env');
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    // cross-spawn: on Windows it finds azd.exe / azd.cmd through PATHEXT without `shell: true`.
    const result = crossSpawn.sync(options.azd ?? 'azd', ['env', 'set', '--file', file], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.error)
      throw new AzdValuesError(`could not run azd (${result.error.message}); is the Azure Developer CLI on PATH?`);
    if (result.status !== 0)
      throw new AzdValuesError(`\`azd env set --file\` failed (exit code ${result.status ?? result.signal})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Can anybody answer a question?
// ---------------------------------------------------------------------------------------------

/** Go's strconv.ParseBool, which azd uses for its boolean environment variables. */
function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** azd's CI detection (cli/azd/internal/tracing/resource/ci.go), which turns on its no-prompt mode. */
export function runningOnCI(env: NodeJS.ProcessEnv): boolean {
  const boolVars = ['TF_BUILD', 'GITHUB_ACTIONS', 'APPVEYOR', 'TRAVIS', 'CIRCLECI', 'GITLAB_CI'];
  const setVars = [
    'CODEBUILD_BUILD_ID',
    'JENKINS_URL',
    'TEAMCITY_VERSION',
    'JB_SPACE_API_URL',
    'bamboo.buildKey',
    'BITBUCKET_BUILD_NUMBER',
    'CI',
    'BUILD_ID',
  ];
  return (
    boolVars.some((name) => env[name]?.toLowerCase() === 'true') || setVars.some((name) => env[name] !== undefined)
  );
}

/**
 * The command lines of this process's ancestors (nearest first), where the OS shows them
 * (Linux /proc); empty elsewhere.
 */
export function ancestorCommandLines(depth = 5): string[][] {
  if (process.platform !== 'linux') return [];
  const lines: string[][] = [];
  let pid = process.ppid;
  for (let i = 0; i < depth && pid > 1; i += 1) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return lines;
}

/**
 * Whether azd runs in no-prompt mode, as far as a hook can tell. azd does not tell hooks: it
 * gives them its environment (plus the azd environment's values) and, for `interactive: true`
 * hooks, its terminal. So: `--no-prompt`/`--non-interactive` on an ancestor's command line
 * (Linux), AZD_NO_PROMPT (what azd sets for extensions), AZD_NON_INTERACTIVE (azd's own switch;
 * `false` turns off the CI default) and azd's CI detection.
 */
export function noPromptMode(env: NodeJS.ProcessEnv, ancestors: string[][] = ancestorCommandLines()): boolean {
  const flag = ancestors.some((argv) =>
    argv.some((arg) => /^--(no-prompt|non-interactive)(=(1|t|true|TRUE|True))?$/.test(arg)),
  );
  if (flag || parseBool(env.AZD_NO_PROMPT) === true) return true;
  const explicit = parseBool(env.AZD_NON_INTERACTIVE);
  if (explicit !== undefined) return explicit;
  return runningOnCI(env);
}

/** Asks on the terminal; a secret's answer is not echoed. An empty answer is `undefined`. */
export async function askOnTerminal(
  value: NeededValue,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<string | undefined> {
  let muted = false;
  const sink = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) output.write(chunk, encoding);
      callback();
    },
  });
  const rl = createInterface({ input, output: sink, terminal: true });
  try {
    output.write(
      `${value.secret ? '[secret, not shown] ' : ''}${value.azdEnvName}: ${value.prompt}${value.default !== undefined && !value.secret ? ` [${value.default}]` : ''}: `,
    );
    muted = value.secret;
    const answer = await rl.question('');
    return answer === '' ? undefined : answer;
  } finally {
    rl.close();
    if (value.secret) output.write('\n');
  }
}
