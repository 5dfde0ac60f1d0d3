import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ConfigIssue } from './errors.js';

const require = createRequire(import.meta.url);
/** The one schema: editors read it through `$schema`, the runtime and the CLI validate with it. */
export const configSchema = require('../../schemas/mcp_config.schema.json') as Record<string, unknown>;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(configSchema);
  return compiled;
}

/** Validates a parsed config document against the schema and returns every issue, readable. */
export function validateAgainstSchema(document: unknown): ConfigIssue[] {
  const validate = validator();
  if (validate(document)) return [];
  return dedupe((validate.errors ?? []).map(describe));
}

function describe(error: ErrorObject): ConfigIssue {
  const path = error.instancePath;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: `${path}/${String(p.additionalProperty)}`, message: `unknown property "${String(p.additionalProperty)}"${knownProperties(error)}` };
    case 'required':
      return { path, message: `missing required property "${String(p.missingProperty)}"` };
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { path, message: `must be ${String(p.type)}` };
    case 'propertyNames':
      return { path: `${path}/${String(p.propertyName)}`, message: `invalid name "${String(p.propertyName)}": ${nameRule(error)}` };
    case 'pattern':
      return { path, message: `must match ${String(p.pattern)}` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function knownProperties(error: ErrorObject): string {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? ` (expected one of: ${Object.keys(properties).join(', ')})` : '';
}

function nameRule(error: ErrorObject): string {
  const description = (error.parentSchema as { propertyNames?: { description?: string } } | undefined)?.propertyNames?.description;
  return description ?? 'not allowed';
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  // A propertyNames failure also reports the nested `pattern` error on the parent; keep the clearer one.
  return issues.filter((issue) => {
    if (issue.message.startsWith('must match') && issues.some((other) => other.path.startsWith(`${issue.path}/`) && other.message.startsWith('invalid name'))) return false;
    const full = `${issue.path}\u0000${issue.message}`;
    if (seen.has(full)) return false;
    seen.add(full);
    return true;
  });
}
