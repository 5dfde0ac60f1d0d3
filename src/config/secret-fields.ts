import type { ConfigDocument } from './document.js';
import type { ConfigIssue } from './errors.js';
import { toPointer } from './json-location.js';
import { configSchema } from './validate-schema.js';

type SchemaNode = Record<string, unknown>;

/**
 * JSON Pointer patterns (`*` for any key) of the fields the schema marks `x-secret`, found by
 * walking the schema, so marking a new field in the schema is all it takes.
 */
export function secretFieldPatterns(schema: SchemaNode = configSchema): string[] {
  const patterns = new Set<string>();
  const defs = (schema.$defs ?? {}) as Record<string, SchemaNode>;
  const deref = (node: SchemaNode): SchemaNode =>
    typeof node.$ref === 'string' ? (defs[node.$ref.replace('#/$defs/', '')] ?? {}) : node;
  const visit = (node: SchemaNode, path: string[], depth: number) => {
    if (depth > 12) return;
    const resolved = deref(node);
    if (resolved['x-secret'] === true) patterns.add(path.join('/'));
    for (const branch of ['then', 'else'] as const)
      if (resolved[branch]) visit(resolved[branch] as SchemaNode, path, depth + 1);
    for (const [key, child] of Object.entries((resolved.properties ?? {}) as Record<string, SchemaNode>))
      visit(child, [...path, key], depth + 1);
    if (resolved.additionalProperties && typeof resolved.additionalProperties === 'object')
      visit(resolved.additionalProperties as SchemaNode, [...path, '*'], depth + 1);
  };
  visit(schema, [''], 0);
  return [...patterns];
}

const SECRET_ONLY = /^\$\{(?:secret|input):[^}]+\}$/;
const PASSWORD_LIKE_NAME =
  /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CONNECTION_?STRING|CREDENTIALS?)$/i;

/**
 * Warnings for secrets written where they would end up in plain sight: a secret field holding a
 * literal or a plain `${NAME}` (which becomes a plain app setting), and `env` entries whose name
 * says password but whose value is a literal.
 */
export function secretWarnings(document: ConfigDocument): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const matches = (pattern: string, segments: Array<string | number>) => {
    const parts = pattern.split('/').slice(1);
    return parts.length === segments.length && parts.every((part, i) => part === '*' || part === String(segments[i]));
  };
  const patterns = secretFieldPatterns();
  const visit = (value: unknown, segments: Array<string | number>) => {
    if (typeof value === 'string') {
      const path = toPointer(segments);
      if (patterns.some((pattern) => matches(pattern, segments)) && !SECRET_ONLY.test(value)) {
        warnings.push({
          path,
          message: `this field holds a secret but is ${/\$\{/.test(value) ? 'a plain variable, which becomes a plain app setting' : 'a literal value'}; use "\${secret:NAME}"`,
        });
      }
      const name = segments.at(-1);
      if (
        segments.at(-2) === 'env' &&
        typeof name === 'string' &&
        PASSWORD_LIKE_NAME.test(name) &&
        value !== '' &&
        !/\$\{/.test(value)
      ) {
        warnings.push({
          path,
          message: `"${name}" looks like a secret written as a literal value; use "\${secret:${name}}" and keep the value in Key Vault / .env`,
        });
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, [...segments, index]);
    } else if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) visit(item, [...segments, key]);
  };
  visit(document, []);
  return warnings;
}
