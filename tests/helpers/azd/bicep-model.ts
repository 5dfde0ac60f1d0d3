// What the azd stand-in needs from infra/main.bicep without the Bicep CLI: parameter
// declarations (read with the tree-sitter grammar of tests/infra/bicep.ts), a "compile" that
// captures the files main.bicep loads with loadJsonContent (compile-time, as the real compile
// does), and a small JS model of main.bicep's `output` lines.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBicep, stringValue, type SyntaxNode } from '../../infra/bicep.js';

export type ArmType = 'string' | 'bool' | 'int' | 'array' | 'object';

export interface ParamDef {
  name: string;
  type: ArmType;
  secure: boolean;
  hasDefault: boolean;
  defaultValue?: unknown;
  description?: string;
  minLength?: number;
  maxLength?: number;
  azd?: { type?: string; config?: Record<string, unknown> };
}

/** A literal Bicep expression (string without interpolation, number, bool, null, array, object) as JS; undefined otherwise. */
export function literal(node: SyntaxNode | null | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'string':
      return stringValue(node);
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    case 'array':
      return node.namedChildren
        .filter((n) => n.type !== 'comment')
        .map((item) => literal(item.type === 'array_item' ? item.namedChildren[0] : item));
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const property of node.namedChildren.filter((n) => n.type === 'object_property')) {
        const named = property.namedChildren.filter((n) => n.type !== 'comment');
        const key = named[0]!.type === 'identifier' ? named[0]!.text : stringValue(named[0]);
        if (key !== undefined) result[key] = literal(named[named.length - 1]);
      }
      return result;
    }
    case 'parenthesized_expression':
      return literal(node.namedChildren[0]);
    default:
      if (node.namedChildren.length === 1) return literal(node.namedChildren[0]);
      return undefined;
  }
}

function decoratorCall(decorator: SyntaxNode): { name: string; args: SyntaxNode[] } | undefined {
  const call = decorator.descendantsOfType('call_expression')[0];
  if (!call) return undefined;
  const fn = call.namedChildren[0]!;
  const name = fn.text.replace(/^sys\./, '');
  const args = call.descendantsOfType('arguments')[0]?.namedChildren.filter((n) => n.type !== 'comment') ?? [];
  return { name, args };
}

/** The parameter declarations of a Bicep file, as the compiled ARM template's `parameters` would describe them. */
export function readParams(bicepText: string): ParamDef[] {
  const root = parseBicep(bicepText).rootNode;
  const params: ParamDef[] = [];
  let decorators: SyntaxNode[] = [];
  for (const node of root.namedChildren) {
    if (node.type === 'decorators') {
      decorators = node.namedChildren.filter((n) => n.type === 'decorator');
      continue;
    }
    if (node.type === 'parameter_declaration') {
      const named = node.namedChildren.filter((n) => n.type !== 'comment');
      const name = named.find((n) => n.type === 'identifier')!.text;
      const typeNode = named[1]!;
      const typeText = typeNode.text;
      const type: ArmType =
        typeText === 'bool'
          ? 'bool'
          : typeText === 'int'
            ? 'int'
            : typeText === 'array' || typeText.endsWith('[]')
              ? 'array'
              : typeText === 'object' || typeText.startsWith('{')
                ? 'object'
                : 'string';
      const hasDefault = node.children.some((c) => c.type === '=');
      const def: ParamDef = {
        name,
        type,
        secure: false,
        hasDefault,
        defaultValue: hasDefault ? literal(named[named.length - 1]) : undefined,
      };
      for (const decorator of decorators) {
        const call = decoratorCall(decorator);
        if (!call) continue;
        if (call.name === 'secure') def.secure = true;
        if (call.name === 'description') def.description = stringValue(call.args[0]);
        if (call.name === 'minLength') def.minLength = Number(call.args[0]?.text);
        if (call.name === 'maxLength') def.maxLength = Number(call.args[0]?.text);
        if (call.name === 'metadata') {
          const meta = literal(call.args[0]) as { azd?: ParamDef['azd'] } | undefined;
          if (meta?.azd) def.azd = meta.azd;
        }
      }
      params.push(def);
    }
    if (node.type !== 'comment') decorators = [];
  }
  return params;
}

/** Names of the `output` declarations of a Bicep file, with their declared types. */
export function readOutputs(bicepText: string): { name: string; type: string }[] {
  const root = parseBicep(bicepText).rootNode;
  return root.namedChildren
    .filter((n) => n.type === 'output_declaration')
    .map((n) => {
      const named = n.namedChildren.filter((c) => c.type !== 'comment');
      return { name: named.find((c) => c.type === 'identifier')!.text, type: named[1]!.text };
    });
}

export interface CompileResult {
  /** sha256 of main.bicep, every module and every file it loads: stands in for ARM's template hash. */
  templateHash: string;
  params: ParamDef[];
  /** infra/mcp-plan.json as it was when compiled (loadJsonContent is evaluated by the compiler). */
  plan: Record<string, unknown>;
  abbrs: Record<string, string>;
  targetScope: string;
}

/**
 * Stand-in for BicepProvider.compileBicep (pkg/infra/provisioning/bicep/bicep_provider.go): reads
 * main.bicep and captures what loadJsonContent embeds. A file that is not JSON fails the compile,
 * as `bicep build` would.
 */
export function compileMainBicep(infraDir: string, module = 'main'): CompileResult {
  const mainFile = path.join(infraDir, `${module}.bicep`);
  const text = readFileSync(mainFile, 'utf8');
  const hash = createHash('sha256').update(text);
  const loaded: Record<string, unknown> = {};
  for (const m of text.matchAll(/loadJsonContent\('([^']+)'\)/g)) {
    const file = path.join(infraDir, m[1]!);
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${mainFile}: Error BCP091: An error occurred reading file. ${(error as Error).message}`);
    }
    try {
      loaded[m[1]!] = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${mainFile}: Error BCP186: Unable to parse literal JSON value. ${(error as Error).message}`);
    }
    hash.update(raw);
  }
  for (const m of text.matchAll(/module\s+\w+\s+'([^']+)'/g))
    hash.update(readFileSync(path.join(infraDir, m[1]!), 'utf8'));
  return {
    templateHash: hash.digest('hex'),
    params: readParams(text),
    plan: loaded['mcp-plan.json'] as Record<string, unknown>,
    abbrs: loaded['abbreviations.json'] as Record<string, string>,
    targetScope: /targetScope\s*=\s*'(\w+)'/.exec(text)?.[1] ?? 'resourceGroup',
  };
}

/** Not ARM's uniqueString algorithm (murmur64): a deterministic 13-character stand-in. */
export function uniqueString(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('-')).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (let i = 0; i < 13; i++) out += alphabet[digest[i]! % 32];
  return out;
}

export class DeploymentError extends Error {}

function decodeJsonParam(name: string, value: string): Record<string, unknown> {
  if (value === '') return {};
  try {
    return JSON.parse(value.startsWith('{') ? value : Buffer.from(value, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw new DeploymentError(
      `InvalidTemplate: Unable to evaluate template language function 'json' for parameter '${name}': ${(error as Error).message}`,
    );
  }
}

interface ModelPlan {
  planVersion: number;
  appSettings: { source: string; azdEnvName?: string; secretName?: string; value?: string; name: string }[];
  secrets: { azdEnvName: string; secretName: string }[];
  roleAssignments: unknown;
  identity: unknown;
  entra: null | { appRegistration?: string; credential?: string };
  apps: {
    service: string;
    role: string;
    servers: string[];
    scale: { sessionsPerInstance: number; maximumInstanceCount: number } & Record<string, unknown>;
  }[];
  servers: { endpoint: string; default: boolean; app: string }[];
}

/** A resource of the model's "ARM": what azd's resource lookup and the tests read. */
export interface ModelResource {
  type: string;
  name: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}

export interface EvaluatedDeployment {
  outputs: Record<string, { type: string; value: unknown }>;
  /** The sites (with their app settings), their plans, the package containers and the identity. */
  resources: ModelResource[];
}

/**
 * The deployment as ARM would evaluate main.bicep for these parameters: the template expressions
 * that can fail on a parameter value (indexing settingValues/secretValueMap by each planned
 * azdEnvName, app-settings.bicep and keyvault.bicep), then the resources azd and the tests look at
 * (one site per planned app, tagged azd-service-name, with its plan, container and app settings as
 * app-settings.bicep builds them) and the outputs, modelled line by line on main.bicep's `output`
 * declarations (OUTPUT_NAMES and MODEL_SETTING_NAMES are checked against the Bicep by tests).
 */
export function evaluateDeployment(
  compiled: CompileResult,
  parameters: Record<string, unknown>,
  subscriptionId: string,
  tenantId: string,
): EvaluatedDeployment {
  const plan = compiled.plan as unknown as ModelPlan;
  const str = (name: string) =>
    String(parameters[name] ?? compiled.params.find((p) => p.name === name)?.defaultValue ?? '');
  const environmentName = str('environmentName');
  const location = str('location');
  const settingValues = decodeJsonParam('mcpSettingValues', str('mcpSettingValues'));
  const secretValues = decodeJsonParam('mcpSecretValues', str('mcpSecretValues'));
  for (const setting of plan.appSettings.filter((s) => s.source === 'azd_env')) {
    if (!(setting.azdEnvName! in settingValues)) {
      throw new DeploymentError(
        `InvalidTemplate: Deployment template validation failed: 'The template variable 'azdEnvSettings' is not valid: The language expression property '${setting.azdEnvName}' doesn't exist, available properties are '${Object.keys(settingValues).join(', ')}'.'`,
      );
    }
  }
  for (const secret of plan.secrets) {
    if (!(secret.azdEnvName in secretValues)) {
      throw new DeploymentError(
        `InvalidTemplate: Deployment template validation failed: 'The template resource 'secrets' is not valid: The language expression property '${secret.azdEnvName}' doesn't exist, available properties are '${Object.keys(secretValues).join(', ')}'.'`,
      );
    }
  }
  const abbrs = compiled.abbrs;
  const resourceToken = uniqueString(`/subscriptions/${subscriptionId}`, environmentName, location).toLowerCase();
  const functionAppName = `${abbrs.webSitesFunctions}mcp-${resourceToken}`;
  const tags = { 'azd-env-name': environmentName };
  // main.bicep: appNames and apps (name, planName, deploymentContainerName per planned app).
  const apps = plan.apps.map((app) => {
    const name = app.service === 'api' ? functionAppName : `${abbrs.webSitesFunctions}mcp-stateless-${resourceToken}`;
    return {
      ...app,
      name,
      planName:
        app.service === 'api'
          ? `${abbrs.webServerFarms}${resourceToken}`
          : `${abbrs.webServerFarms}mcp-stateless-${resourceToken}`,
      deploymentContainerName: `app-package-${name.slice(0, 32)}-${uniqueString(name, resourceToken).toLowerCase().slice(0, 7)}`,
      baseUrl: `https://${name}.azurewebsites.net`,
    };
  });
  const twoApps = apps.length > 1;
  const baseUrlOf = (service: string) => apps.find((app) => app.service === service)!.baseUrl;
  const createEntraApp = parameters.createEntraApp ?? true;
  const existingOboClientId = str('existingOboClientId');
  const oboEnabled = plan.entra !== null && plan.entra !== undefined;
  const createOboApp =
    oboEnabled &&
    plan.entra!.appRegistration === 'create' &&
    plan.entra!.credential === 'federated_credential' &&
    createEntraApp === true &&
    existingOboClientId === '';
  const identityClientId = uniqueString('identity-client', resourceToken);
  const identityId = `/subscriptions/${subscriptionId}/resourceGroups/${abbrs.resourcesResourceGroups}${environmentName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${abbrs.managedIdentityUserAssignedIdentities}mcp-${resourceToken}`;
  const oboClientId = createOboApp ? uniqueString('obo-app', functionAppName) : existingOboClientId;
  const oboIdentifierUri = createOboApp ? `api://${oboClientId}` : '';
  const storageAccountName = `${abbrs.storageStorageAccounts}${resourceToken}`;
  const keyVaultUri = `https://${abbrs.keyVaultVaults}${resourceToken}.vault.azure.net/`;
  const provisionedPlan = Buffer.from(
    JSON.stringify({
      planVersion: plan.planVersion,
      appSettings: plan.appSettings,
      secrets: plan.secrets,
      roleAssignments: plan.roleAssignments,
      identity: plan.identity,
      entra: plan.entra,
      apps: plan.apps,
    }),
  ).toString('base64');

  // app-settings.bicep, per app.
  const appSettingsOf = (app: (typeof apps)[number], i: number): Record<string, string> => {
    const config: Record<string, string> = {};
    for (const setting of plan.appSettings) {
      if (setting.source === 'fixed') config[setting.name] = setting.value!;
      else if (setting.source === 'azd_env') config[setting.name] = String(settingValues[setting.azdEnvName!]);
      else config[setting.name] = `@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${setting.secretName})`;
    }
    return {
      ...config,
      AzureWebJobsStorage__accountName: storageAccountName,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: identityClientId,
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${uniqueString('appi', resourceToken)}`,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${identityClientId}`,
      MCP_ADAPTER_APP_ROLE: app.role,
      MCP_ADAPTER_MAX_SESSIONS: String(app.scale.sessionsPerInstance),
      MCP_ADAPTER_IDENTITY_CLIENT_ID: identityClientId,
      MCP_ADAPTER_SESSION_KEY: `@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/mcp-adapter-session-key)`,
      MCP_ADAPTER_STORAGE_ACCOUNT: storageAccountName,
      MCP_ADAPTER_TENANT_ID: tenantId,
      MCP_ADAPTER_PROVISIONED_PLAN: provisionedPlan,
      ...(twoApps ? { MCP_ADAPTER_OTHER_APP_URL: apps[(i + 1) % apps.length]!.baseUrl } : {}),
      ...(oboEnabled
        ? { MCP_ADAPTER_OBO_CLIENT_ID: oboClientId, MCP_ADAPTER_OBO_IDENTIFIER_URI: oboIdentifierUri }
        : {}),
    };
  };
  const resources: ModelResource[] = [
    {
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
      name: identityId.split('/').at(-1)!,
      tags,
      properties: { id: identityId, clientId: identityClientId },
    },
    ...apps.map((app) => ({
      type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
      name: `${storageAccountName}/default/${app.deploymentContainerName}`,
      tags: {},
      properties: { publicAccess: 'None' },
    })),
    ...apps.map((app) => ({
      type: 'Microsoft.Web/serverfarms',
      name: app.planName,
      tags,
      properties: { sku: 'FC1' },
    })),
    ...apps.map((app, i) => ({
      type: 'Microsoft.Web/sites',
      name: app.name,
      tags: { ...tags, 'azd-service-name': app.service },
      properties: {
        serverFarm: app.planName,
        userAssignedIdentities: [identityId],
        keyVaultReferenceIdentity: identityId,
        deploymentContainer: `https://${storageAccountName}.blob.core.windows.net/${app.deploymentContainerName}`,
        scaleAndConcurrency: app.scale,
        defaultHostName: new URL(app.baseUrl).host,
        appSettings: appSettingsOf(app, i),
      },
    })),
  ];

  const s = (value: unknown) => ({ type: 'string', value });
  const defaultServer = plan.servers.find((server) => server.default);
  const outputs: Record<string, { type: string; value: unknown }> = {
    AZURE_LOCATION: s(location),
    AZURE_TENANT_ID: s(tenantId),
    AZURE_RESOURCE_GROUP: s(`${abbrs.resourcesResourceGroups}${environmentName}`),
    AZURE_FUNCTION_APP_NAME: s(apps[0]!.name),
    AZURE_FUNCTION_IDENTITY_CLIENT_ID: s(identityClientId),
    AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: s(uniqueString('identity-principal', resourceToken)),
    AZURE_KEY_VAULT_NAME: s(`${abbrs.keyVaultVaults}${resourceToken}`),
    AZURE_KEY_VAULT_ENDPOINT: s(keyVaultUri),
    AZURE_STORAGE_ACCOUNT_NAME: s(storageAccountName),
    SERVICE_API_NAME: s(apps[0]!.name),
    SERVICE_API_ENDPOINT_URL: s(apps[0]!.baseUrl),
    MCP_BASE_URL: s(apps[0]!.baseUrl),
    SERVICE_API_STATELESS_NAME: s(twoApps ? apps.at(-1)!.name : ''),
    SERVICE_API_STATELESS_ENDPOINT_URL: s(twoApps ? apps.at(-1)!.baseUrl : ''),
    MCP_STATELESS_APP_ENABLED: s(twoApps ? 'true' : 'false'),
    MCP_APPS: {
      type: 'array',
      value: apps.map((app) => ({
        service: app.service,
        role: app.role,
        name: app.name,
        baseUrl: app.baseUrl,
        servers: app.servers,
      })),
    },
    MCP_ENDPOINTS: {
      type: 'array',
      value: plan.servers.map((server) => `${baseUrlOf(server.app)}${server.endpoint}`),
    },
    MCP_DEFAULT_ENDPOINT: s(defaultServer ? `${baseUrlOf(defaultServer.app)}/mcp` : ''),
    MCP_OBO_CLIENT_ID: s(oboEnabled ? oboClientId : ''),
    MCP_OBO_IDENTIFIER_URI: s(oboIdentifierUri),
    MCP_PROVISIONED_PLAN: s(provisionedPlan),
  };
  return { outputs, resources };
}

/** The app setting names the model gives a site, besides the plan's own (checked against app-settings.bicep by a test). */
export const MODEL_SETTING_NAMES = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'MCP_ADAPTER_APP_ROLE',
  'MCP_ADAPTER_MAX_SESSIONS',
  'MCP_ADAPTER_IDENTITY_CLIENT_ID',
  'MCP_ADAPTER_SESSION_KEY',
  'MCP_ADAPTER_STORAGE_ACCOUNT',
  'MCP_ADAPTER_TENANT_ID',
  'MCP_ADAPTER_PROVISIONED_PLAN',
  'MCP_ADAPTER_OTHER_APP_URL',
  'MCP_ADAPTER_OBO_CLIENT_ID',
  'MCP_ADAPTER_OBO_IDENTIFIER_URI',
];

/** The outputs the JS model produces (a test compares them with main.bicep's output declarations). */
export const OUTPUT_NAMES = [
  'AZURE_LOCATION',
  'AZURE_TENANT_ID',
  'AZURE_RESOURCE_GROUP',
  'AZURE_FUNCTION_APP_NAME',
  'AZURE_FUNCTION_IDENTITY_CLIENT_ID',
  'AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID',
  'AZURE_KEY_VAULT_NAME',
  'AZURE_KEY_VAULT_ENDPOINT',
  'AZURE_STORAGE_ACCOUNT_NAME',
  'SERVICE_API_NAME',
  'SERVICE_API_ENDPOINT_URL',
  'MCP_BASE_URL',
  'SERVICE_API_STATELESS_NAME',
  'SERVICE_API_STATELESS_ENDPOINT_URL',
  'MCP_STATELESS_APP_ENABLED',
  'MCP_APPS',
  'MCP_ENDPOINTS',
  'MCP_DEFAULT_ENDPOINT',
  'MCP_OBO_CLIENT_ID',
  'MCP_OBO_IDENTIFIER_URI',
  'MCP_PROVISIONED_PLAN',
];
