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

/**
 * The deployment as ARM would evaluate main.bicep for these parameters: the template expressions
 * that can fail on a parameter value (indexing settingValues/secretValueMap by each planned
 * azdEnvName, function-app.bicep and keyvault.bicep), then the outputs, modelled line by line
 * on main.bicep's `output` declarations (OUTPUT_NAMES is checked against the parsed file by a test).
 */
export function evaluateDeployment(
  compiled: CompileResult,
  parameters: Record<string, unknown>,
  subscriptionId: string,
  tenantId: string,
): Record<string, { type: string; value: unknown }> {
  const plan = compiled.plan as {
    planVersion: number;
    appSettings: { source: string; azdEnvName?: string; name: string }[];
    secrets: { azdEnvName: string; secretName: string }[];
    roleAssignments: unknown;
    identity: unknown;
    entra: null | { appRegistration?: string; credential?: string };
    scale: unknown;
    servers: { endpoint: string; default: boolean }[];
  };
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
  const baseUrl = `https://${functionAppName}.azurewebsites.net`;
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
  const oboClientId = createOboApp ? uniqueString('obo-app', functionAppName) : existingOboClientId;
  const provisionedPlan = Buffer.from(
    JSON.stringify({
      planVersion: plan.planVersion,
      appSettings: plan.appSettings,
      secrets: plan.secrets,
      roleAssignments: plan.roleAssignments,
      identity: plan.identity,
      entra: plan.entra,
      scale: plan.scale,
    }),
  ).toString('base64');
  const s = (value: unknown) => ({ type: 'string', value });
  const outputs: Record<string, { type: string; value: unknown }> = {
    AZURE_LOCATION: s(location),
    AZURE_TENANT_ID: s(tenantId),
    AZURE_RESOURCE_GROUP: s(`${abbrs.resourcesResourceGroups}${environmentName}`),
    AZURE_FUNCTION_APP_NAME: s(functionAppName),
    AZURE_FUNCTION_IDENTITY_CLIENT_ID: s(identityClientId),
    AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: s(uniqueString('identity-principal', resourceToken)),
    AZURE_KEY_VAULT_NAME: s(`${abbrs.keyVaultVaults}${resourceToken}`),
    AZURE_KEY_VAULT_ENDPOINT: s(`https://${abbrs.keyVaultVaults}${resourceToken}.vault.azure.net/`),
    AZURE_STORAGE_ACCOUNT_NAME: s(`${abbrs.storageStorageAccounts}${resourceToken}`),
    SERVICE_API_NAME: s(functionAppName),
    SERVICE_API_ENDPOINT_URL: s(baseUrl),
    MCP_BASE_URL: s(baseUrl),
    MCP_ENDPOINTS: { type: 'array', value: plan.servers.map((server) => `${baseUrl}${server.endpoint}`) },
    MCP_DEFAULT_ENDPOINT: s(plan.servers.some((server) => server.default) ? `${baseUrl}/mcp` : ''),
    MCP_OBO_CLIENT_ID: s(oboEnabled ? oboClientId : ''),
    MCP_OBO_IDENTIFIER_URI: s(createOboApp ? `api://${oboClientId}` : ''),
    MCP_PROVISIONED_PLAN: s(provisionedPlan),
  };
  return outputs;
}

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
  'MCP_ENDPOINTS',
  'MCP_DEFAULT_ENDPOINT',
  'MCP_OBO_CLIENT_ID',
  'MCP_OBO_IDENTIFIER_URI',
  'MCP_PROVISIONED_PLAN',
];
