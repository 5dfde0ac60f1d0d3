import type { ConfigDocument, InputDocument } from './document.js';
import type { ConfigIssue } from './errors.js';
import { toPointer } from './json-location.js';

/**
 * Variables in config strings:
 * - `${env:NAME}` and `${NAME}`: a plain setting (an app setting when deployed);
 * - `${secret:NAME}`: a secret (Key Vault when deployed; the environment or `.env` locally);
 * - `${input:ID}`: a VS Code input (a secret when the input has `password: true`);
 * - `${workspaceFolder}`: the config file's folder (VS Code's predefined variable).
 */
export type VariableKind = 'env' | 'secret' | 'input' | 'workspaceFolder';

export interface VariableUse {
  kind: VariableKind;
  name: string;
  /** The text as written, e.g. `${secret:API_KEY}`. */
  text: string;
  /** JSON Pointer of the string that uses it. */
  path: string;
  /** Whether its value is a secret (never logged, planned as a Key Vault secret). */
  secret: boolean;
}

const VARIABLE = /\$\{(?:(env|secret|input):)?([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INPUT_ID = /^[A-Za-z0-9_.-]+$/;

/** Locally and when deployed, `${input:api-key}` is read from MCP_INPUT_API_KEY. */
export function inputSettingName(id: string): string {
  return `MCP_INPUT_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The environment variables (app settings when deployed) that these variable uses read. */
export function settingsReadBy(uses: VariableUse[]): Set<string> {
  const names = new Set<string>();
  for (const use of uses) {
    if (use.kind === 'input') names.add(inputSettingName(use.name));
    else if (use.kind !== 'workspaceFolder') names.add(use.name);
  }
  return names;
}

/** Every variable the document uses, with where. Malformed ones are returned as issues. */
export function collectVariables(document: ConfigDocument): { uses: VariableUse[]; issues: ConfigIssue[] } {
  const inputs = new Map((document.inputs ?? []).map((input) => [input.id, input]));
  const uses: VariableUse[] = [];
  const issues: ConfigIssue[] = [];
  walkStrings(document, [], (value, segments) => {
    if (segments[0] === '$schema' || segments[0] === 'inputs') return;
    const path = toPointer(segments);
    for (const match of value.matchAll(VARIABLE)) {
      const [text, prefix, rawName] = match;
      const name = rawName!.trim();
      if (!prefix && name === 'workspaceFolder') {
        uses.push({ kind: 'workspaceFolder', name, text, path, secret: false });
        continue;
      }
      const kind = (prefix ?? 'env') as VariableKind;
      if (kind === 'input') {
        if (!INPUT_ID.test(name)) {
          issues.push({ path, message: `malformed variable ${text}: an input id has letters, digits, '_', '.', '-'` });
          continue;
        }
        const input = inputs.get(name);
        if (!input) {
          issues.push({ path, message: `${text} names no input: add {"id": "${name}"} to "inputs"` });
          continue;
        }
        uses.push({ kind, name, text, path, secret: input.password === true });
        continue;
      }
      if (!NAME.test(name)) {
        issues.push({
          path,
          message: `malformed variable ${text}: a name has letters, digits and '_' and does not start with a digit`,
        });
        continue;
      }
      uses.push({ kind, name, text, path, secret: kind === 'secret' });
    }
  });
  return { uses, issues };
}

export interface VariableSources {
  /** The process environment (app settings when deployed; Key Vault references arrive resolved). */
  env: NodeJS.ProcessEnv;
  /** Values from a git-ignored `.env` beside the config, used where `env` has none. */
  dotenv: Record<string, string>;
  inputs: InputDocument[];
  workspaceFolder: string;
}

const UNRESOLVED_KEY_VAULT = /^@Microsoft\.KeyVault\(/i;

/**
 * Returns a copy of the document with every variable replaced by its value. Each unresolved
 * variable is an issue naming it and where it is used; values never appear in an issue.
 */
export function resolveVariables<T>(document: T, sources: VariableSources): { document: T; issues: ConfigIssue[] } {
  const inputs = new Map(sources.inputs.map((input) => [input.id, input]));
  const issues: ConfigIssue[] = [];
  const lookup = (name: string) => sources.env[name] ?? sources.dotenv[name];
  const resolved = mapStrings(document, [], (value, segments) => {
    if (segments[0] === '$schema' || segments[0] === 'inputs') return value;
    const path = toPointer(segments);
    return value.replace(VARIABLE, (text, prefix: string | undefined, rawName: string) => {
      const name = rawName.trim();
      if (!prefix && name === 'workspaceFolder') return sources.workspaceFolder;
      // Malformed names are collectVariables' issue already: one error each, not a second "unresolved".
      if (prefix === 'input' ? !INPUT_ID.test(name) : !NAME.test(name)) return text;
      let found: string | undefined;
      let where: string;
      if (prefix === 'input') {
        const setting = inputSettingName(name);
        // An empty setting (an input left blank in the azd environment) falls back to the default.
        found = lookup(setting) || inputs.get(name)?.default || lookup(setting);
        where = `set ${setting} in the environment or .env (when deployed: in the azd environment)`;
      } else {
        found = lookup(name);
        where =
          prefix === 'secret'
            ? `set ${name} in the environment or .env (when deployed: Key Vault, through the app setting ${name})`
            : `set ${name} in the environment or .env (when deployed: the app setting ${name})`;
      }
      if (found === undefined) {
        issues.push({ path, message: `unresolved variable ${text}: ${where}` });
        return text;
      }
      if (UNRESOLVED_KEY_VAULT.test(found)) {
        issues.push({
          path,
          message: `${text} is still a Key Vault reference: the app could not resolve it (check that the secret exists and that the app's identity has the "Key Vault Secrets User" role)`,
        });
        return text;
      }
      return found;
    });
  });
  return { document: resolved, issues };
}

function walkStrings(
  value: unknown,
  segments: Array<string | number>,
  visit: (value: string, segments: Array<string | number>) => void,
): void {
  if (typeof value === 'string') visit(value, segments);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walkStrings(item, [...segments, index], visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walkStrings(item, [...segments, key], visit);
  }
}

function mapStrings<T>(
  value: T,
  segments: Array<string | number>,
  map: (value: string, segments: Array<string | number>) => string,
): T {
  if (typeof value === 'string') return map(value, segments) as T;
  if (Array.isArray(value)) return value.map((item, index) => mapStrings(item, [...segments, index], map)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapStrings(item, [...segments, key], map)]),
    ) as T;
  }
  return value;
}
