import { AdapterError } from '../errors/adapter-error.js';
import type { DeploymentPlan, PlannedApp, PlannedSetting } from './plan.js';

/**
 * What a provision made of the deployment plan: the part of the plan the infrastructure holds.
 * infra/main.bicep records it as the output MCP_PROVISIONED_PLAN (azd keeps outputs in the
 * environment's .env) and as the app setting MCP_ADAPTER_PROVISIONED_PLAN, both base64 of the
 * JSON text of `string({ planVersion, appSettings, secrets, roleAssignments, identity, entra,
 * apps })`. Bicep's `string()` may order keys its own way and ends without a newline, so the
 * two sides are compared as data, never as text. A record of the time before apps (`scale`
 * instead of `apps`: one app, servers not placed by state) reads as no app provisioned.
 *
 * Pure and free of dependencies (Buffer is Node's): the hooks bundle it and the runtime logs it.
 */
export type ProvisionedPlan = Pick<
  DeploymentPlan,
  'planVersion' | 'appSettings' | 'secrets' | 'roleAssignments' | 'identity' | 'entra' | 'apps'
>;

/** azd environment variable (a Bicep output) holding the provisioned plan. */
export const PROVISIONED_PLAN_VAR = 'MCP_PROVISIONED_PLAN';
/** App setting holding the same value, for the running app. */
export const PROVISIONED_PLAN_SETTING = 'MCP_ADAPTER_PROVISIONED_PLAN';

/** Plan fields that describe, for people, and never change what the infrastructure holds. */
const DESCRIPTIVE = new Set(['reason', 'usedAt', 'prompt', 'prompts', 'description', 'warnings']);

/** The projection of a plan that the Bicep records (the same fields, as they are in the plan). */
export function provisionedProjection(plan: DeploymentPlan | ProvisionedPlan): ProvisionedPlan {
  return {
    planVersion: plan.planVersion,
    appSettings: plan.appSettings,
    secrets: plan.secrets,
    roleAssignments: plan.roleAssignments,
    identity: plan.identity,
    entra: plan.entra,
    apps: plan.apps,
  };
}

/** Base64 of the projection's JSON text: the form the Bicep outputs. */
export function encodeProvisionedPlan(plan: DeploymentPlan | ProvisionedPlan): string {
  return Buffer.from(JSON.stringify(provisionedProjection(plan)), 'utf8').toString('base64');
}

export class ProvisionedPlanError extends AdapterError {
  constructor(message: string) {
    super(message, { code: 'provisioned_plan_invalid' });
  }
}

/**
 * Reads MCP_PROVISIONED_PLAN: base64 of JSON (what the Bicep writes), or the JSON itself.
 * Throws ProvisionedPlanError, saying what is wrong, on anything else.
 */
export function decodeProvisionedPlan(text: string): ProvisionedPlan {
  const trimmed = text.trim();
  const fail = (why: string): never => {
    throw new ProvisionedPlanError(
      `${PROVISIONED_PLAN_VAR} is not a provisioned plan (base64 of the JSON infra/main.bicep outputs): ${why}`,
    );
  };
  if (trimmed === '') fail('it is empty');
  let json = trimmed;
  if (!trimmed.startsWith('{')) {
    const compact = trimmed.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) fail('it is neither base64 nor JSON');
    json = Buffer.from(compact, 'base64').toString('utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    fail(`its content is not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) return fail('its JSON is not an object');
  if (typeof value.planVersion !== 'number') fail('planVersion is missing');
  for (const key of ['appSettings', 'secrets', 'roleAssignments'] as const) {
    if (!Array.isArray(value[key]) || !(value[key] as unknown[]).every(isObject))
      fail(`${key} is not a list of objects`);
  }
  if (!isObject(value.identity)) fail('identity is not an object');
  if (value.entra !== null && !isObject(value.entra)) fail('entra is neither null nor an object');
  // Provisioned before servers were placed in apps by state: one app whose role nothing recorded.
  if (value.apps === undefined && isObject(value.scale)) value.apps = [];
  if (
    !Array.isArray(value.apps) ||
    !(value.apps as unknown[]).every(
      (app) => isObject(app) && typeof app.service === 'string' && Array.isArray(app.servers) && isObject(app.scale),
    )
  )
    fail('apps is not a list of apps (service, role, servers, scale)');
  return provisionedProjection(value as unknown as ProvisionedPlan);
}

/**
 * What the current plan needs from the infrastructure that the provisioned one does not give,
 * in plain words, one line per change (empty: the infrastructure is current). Descriptive
 * fields (`reason`, `usedAt`, prompts, warnings) and the order of lists never count.
 */
export function infrastructureChanges(provisioned: ProvisionedPlan, current: ProvisionedPlan): string[] {
  const changes = new Set<string>();
  const add = (line: string) => changes.add(line);

  if (provisioned.planVersion !== current.planVersion)
    add(`plan format planVersion ${provisioned.planVersion} → ${current.planVersion}`);

  // App settings, by name.
  const before = byKey(provisioned.appSettings, (s) => s.name);
  const after = byKey(current.appSettings, (s) => s.name);
  for (const [name, setting] of after) {
    const old = before.get(name);
    if (!old)
      add(
        setting.source === 'key_vault'
          ? newSecret(name, setting.secretName)
          : `new app setting ${name} (${describeSource(setting)}) is not provisioned`,
      );
    else if (old.source === 'fixed' && setting.source === 'fixed') {
      if (old.value !== setting.value) add(`app setting ${name} ${old.value} → ${setting.value}`);
    } else if (old.source !== setting.source || !same(old, setting))
      add(`app setting ${name} now comes from ${describeSource(setting)} instead of ${describeSource(old)}`);
  }
  for (const [name, old] of before) {
    if (!after.has(name))
      add(
        old.source === 'key_vault'
          ? removedSecret(name, old.secretName)
          : `app setting ${name} (${describeSource(old)}) was removed`,
      );
  }

  // Key Vault secrets, by secret name.
  const secretsBefore = byKey(provisioned.secrets, (s) => s.secretName);
  const secretsAfter = byKey(current.secrets, (s) => s.secretName);
  for (const [name, secret] of secretsAfter) {
    const old = secretsBefore.get(name);
    if (!old) add(newSecret(secret.appSetting, name));
    else {
      if (old.appSetting !== secret.appSetting)
        add(`Key Vault secret ${name} now feeds app setting ${secret.appSetting} instead of ${old.appSetting}`);
      if (old.azdEnvName !== secret.azdEnvName)
        add(`Key Vault secret ${name} now takes its value from ${secret.azdEnvName} instead of ${old.azdEnvName}`);
      if (old.appSetting === secret.appSetting && old.azdEnvName === secret.azdEnvName && !same(old, secret))
        add(`Key Vault secret ${name} changed`);
    }
  }
  for (const [name, old] of secretsBefore) if (!secretsAfter.has(name)) add(removedSecret(old.appSetting, name));

  // Role assignments, by role and scope.
  const roleKey = (r: { roleDefinitionId: string; scope: string }) => `${r.roleDefinitionId}@${r.scope}`;
  const rolesBefore = byKey(provisioned.roleAssignments, roleKey);
  const rolesAfter = byKey(current.roleAssignments, roleKey);
  for (const [key, role] of rolesAfter) {
    if (!rolesBefore.has(key)) add(`new role assignment ${role.role} on the ${role.scope} is not provisioned`);
    else if (!same(rolesBefore.get(key), role)) add(`role assignment ${role.role} on the ${role.scope} changed`);
  }
  for (const [key, role] of rolesBefore)
    if (!rolesAfter.has(key)) add(`role assignment ${role.role} on the ${role.scope} was removed`);

  // Identity.
  if (Boolean(provisioned.identity.childUsesManagedIdentity) !== Boolean(current.identity.childUsesManagedIdentity)) {
    add(
      current.identity.childUsesManagedIdentity
        ? 'a server now uses the managed identity (identity.childUsesManagedIdentity false → true)'
        : 'no server uses the managed identity any more (identity.childUsesManagedIdentity true → false)',
    );
  }
  setChanges(
    provisioned.identity.managedIdentityScopes,
    current.identity.managedIdentityScopes,
    'managed identity scope',
    add,
  );
  otherFields(
    'identity',
    provisioned.identity,
    current.identity,
    ['childUsesManagedIdentity', 'managedIdentityScopes'],
    add,
  );

  // Entra app registration.
  const [e0, e1] = [provisioned.entra, current.entra];
  if (!e0 && e1) add(`Entra app registration for ${e1.servers.join(', ') || 'the servers'} is not provisioned`);
  else if (e0 && !e1) add('Entra app registration is provisioned but no server uses it any more');
  else if (e0 && e1) {
    setChanges(e0.servers, e1.servers, 'Entra server', add);
    setChanges(e0.oboServers, e1.oboServers, 'On-Behalf-Of server', add);
    if (e0.appRegistration !== e1.appRegistration)
      add(`entra.appRegistration ${e0.appRegistration} → ${e1.appRegistration}`);
    setChanges(e0.oboScopes, e1.oboScopes, 'On-Behalf-Of scope', add);
    setChanges(e0.requiredCallerScopes, e1.requiredCallerScopes, 'Entra caller scope', add);
    if (e0.credential !== e1.credential) add(`entra.credential ${e0.credential} → ${e1.credential}`);
    otherFields(
      'entra',
      e0,
      e1,
      ['servers', 'oboServers', 'appRegistration', 'oboScopes', 'requiredCallerScopes', 'credential'],
      add,
    );
  }

  appChanges(provisioned.apps, current.apps, add);
  return [...changes];
}

/**
 * The Function Apps, by service: an app added or removed, its role, every scale field, and a
 * server moving from one app to another (placement by state, or single_instance). A server added
 * to or removed from the config is none: the app that serves it follows from its state and the
 * app's role, both in the deployed config and the provisioned MCP_ADAPTER_APP_ROLE.
 */
function appChanges(before: readonly PlannedApp[], after: readonly PlannedApp[], add: (line: string) => void): void {
  const describe = (app: PlannedApp) =>
    `app ${app.service} (${app.role}${app.servers.length > 0 ? `: ${app.servers.join(', ')}` : ''})`;
  const appsBefore = byKey(before, (app) => app.service);
  const appsAfter = byKey(after, (app) => app.service);
  for (const [service, app] of appsAfter) {
    const old = appsBefore.get(service);
    if (!old) {
      add(`new ${describe(app)} is not provisioned`);
      continue;
    }
    if (old.role !== app.role) add(`app ${service}: role ${old.role} → ${app.role}`);
    otherFields(`app ${service}: scale`, old.scale, app.scale, [], add);
    otherFields(`app ${service}`, old, app, ['service', 'role', 'servers', 'scale'], add);
  }
  for (const [service, old] of appsBefore)
    if (!appsAfter.has(service)) add(`${describe(old)} is provisioned but the plan no longer has it`);

  const placedBefore = new Map(before.flatMap((app) => app.servers.map((name) => [name, app] as const)));
  for (const app of after) {
    for (const name of app.servers) {
      const old = placedBefore.get(name);
      if (old && old.service !== app.service)
        add(`server ${name} moved from app ${old.service} (${old.role}) to app ${app.service} (${app.role})`);
    }
  }
}

/** Caller scopes the provisioned Entra app has that the current plan no longer requires. */
export function retiredCallerScopes(provisioned: ProvisionedPlan | undefined, current: ProvisionedPlan): string[] {
  const keep = new Set(current.entra?.requiredCallerScopes ?? []);
  return [...new Set(provisioned?.entra?.requiredCallerScopes ?? [])].filter((scope) => !keep.has(scope)).sort();
}

/**
 * App roles the provisioned Entra app declares that the current plan no longer names: like scopes,
 * Microsoft Graph refuses to delete a role that is still enabled, so each is disabled first.
 */
export function retiredAppRoles(provisioned: ProvisionedPlan | undefined, current: ProvisionedPlan): string[] {
  const keep = new Set(current.entra?.appRoles ?? []);
  return [...new Set(provisioned?.entra?.appRoles ?? [])].filter((role) => !keep.has(role)).sort();
}

function newSecret(setting: string, secretName: string): string {
  return `new secret ${setting} (Key Vault secret ${secretName}) is not provisioned`;
}

function removedSecret(setting: string, secretName: string): string {
  return `secret ${setting} (Key Vault secret ${secretName}) was removed`;
}

function describeSource(setting: PlannedSetting): string {
  switch (setting.source) {
    case 'azd_env':
      return `azd environment variable ${setting.azdEnvName}`;
    case 'key_vault':
      return `Key Vault secret ${setting.secretName}`;
    case 'fixed':
      return `fixed value ${setting.value}`;
    default:
      return `source ${String((setting as { source?: unknown }).source)}`;
  }
}

function setChanges(
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
  what: string,
  add: (line: string) => void,
): void {
  const b = new Set(before ?? []);
  const a = new Set(after ?? []);
  for (const item of [...a].sort()) if (!b.has(item)) add(`${what} ${item} was added`);
  for (const item of [...b].sort()) if (!a.has(item)) add(`${what} ${item} was removed`);
}

/** Fields of an object not handled above: each difference as `prefix.field old → new`. */
function otherFields(
  prefix: string,
  before: object,
  after: object,
  handled: string[],
  add: (line: string) => void,
): void {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    if (handled.includes(key) || DESCRIPTIVE.has(key)) continue;
    if (!same(b[key], a[key])) add(`${prefix}.${key} ${show(b[key])} → ${show(a[key])}`);
  }
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

function byKey<T>(items: readonly T[] | undefined, key: (item: T) => string): Map<string, T> {
  return new Map((items ?? []).map((item) => [key(item), item]));
}

/** Deep equality ignoring descriptive fields and key order; lists of strings compare as sets. */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (value.every((item) => typeof item === 'string')) items.sort();
    return `[${items.join(',')}]`;
  }
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => !DESCRIPTIVE.has(key) && value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
