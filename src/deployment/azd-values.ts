import { randomBytes } from 'node:crypto';
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

/** azd environment variables the hook writes for main.parameters.json. */
export const SETTING_VALUES_VAR = 'MCP_SETTING_VALUES';
export const SECRET_VALUES_VAR = 'MCP_SECRET_VALUES';
export const SESSION_KEY_VAR = 'MCP_ADAPTER_SESSION_KEY';

/** Every azd environment value the plan's settings and secrets come from, with how to ask for it. */
export function neededValues(plan: DeploymentPlan, inputs: InputDocument[]): NeededValue[] {
  const byInputSetting = new Map(inputs.map((input) => [`MCP_INPUT_${input.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, input]));
  const describe = (name: string, usedAt: string[]) => {
    const input = byInputSetting.get(name);
    return { prompt: input?.description ?? `${name} (used at ${usedAt.join(', ')})`, default: input?.default };
  };
  const values: NeededValue[] = [];
  for (const setting of plan.appSettings) {
    if (setting.source === 'azd_env') values.push({ azdEnvName: setting.azdEnvName, secret: false, ...describe(setting.name, setting.usedAt) });
  }
  for (const secret of plan.secrets) values.push({ azdEnvName: secret.azdEnvName, secret: true, ...describe(secret.appSetting, secret.usedAt) });
  return values;
}

export interface CollectOptions {
  env: NodeJS.ProcessEnv;
  /** Asks the user; undefined when there is nobody to ask (CI, `--no-prompt`). */
  ask?: (value: NeededValue) => Promise<string | undefined>;
}

/**
 * Gathers the values from the azd environment (asking for missing ones when someone can
 * answer), and returns the azd environment variables to set: the settings and secrets as two
 * JSON objects, and the session key, generated once per environment and kept after that.
 */
export async function collectAzdValues(needed: NeededValue[], options: CollectOptions): Promise<{ set: Record<string, string>; missing: NeededValue[] }> {
  const settings: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const missing: NeededValue[] = [];
  const set: Record<string, string> = {};
  for (const value of needed) {
    let found = options.env[value.azdEnvName];
    if (found === undefined && options.ask) {
      found = (await options.ask(value)) ?? value.default;
      if (found !== undefined) set[value.azdEnvName] = found;
    }
    found ??= value.default;
    if (found === undefined) {
      missing.push(value);
      continue;
    }
    (value.secret ? secrets : settings)[value.azdEnvName] = found;
  }
  // Base64: azd pastes parameter values into main.parameters.json as raw text, where a `"` in a
  // JSON value would break the file. The Bicep decodes them.
  set[SETTING_VALUES_VAR] = encodeValues(settings);
  set[SECRET_VALUES_VAR] = encodeValues(secrets);
  if (!options.env[SESSION_KEY_VAR]) set[SESSION_KEY_VAR] = randomBytes(32).toString('base64url');
  return { set, missing };
}

export function encodeValues(values: Record<string, string>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64');
}

export function decodeValues(encoded: string): Record<string, string> {
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Record<string, string>;
}
