import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

type SchemaNode = { [key: string]: unknown };

interface ReferenceGenerator {
  renderConfigReference(schema: SchemaNode): string;
  extractReference(document: string): string | null;
  replaceReference(document: string, reference: string): string;
  /** Where the reference lives, relative to the repository root: docs/configuration.md. */
  REFERENCE_DOC: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scriptPath = path.join(repoRoot, 'scripts/generate-config-reference.mjs');
let generator: ReferenceGenerator;
const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/mcp_config.schema.json'), 'utf8')) as SchemaNode;

/**
 * Scalar fields (boolean, number, integer, enum) that legitimately have no `default`, by JSON
 * Pointer into the schema (`*` for any one key), with why. Their descriptions must say it too
 * ("Default: ..." or "Alias of ..."). Required fields need no default and are not listed.
 */
const NO_DEFAULT: Record<string, string> = {
  '#/$defs/stdioServer/properties/timeout_seconds': 'alias of request_timeout_seconds, which has the default',
  '#/$defs/stdioServer/properties/auth_level': 'derived from the caller authentication',
  '#/$defs/remoteServer/properties/type': 'a remote server given by `url` alone is taken as http',
  '#/$defs/adapter/properties/max_sessions':
    'derived from the instance memory when deployed, from half the machine memory locally',
  '#/$defs/stdioServer/properties/max_child_memory_mb': 'no limit unless given',
  '#/$defs/sessionLimits/properties/max_concurrent': 'the instance limit applies unless given',
  '#/$defs/adapter/properties/stream_limit_seconds': 'the host decides: 180 s on Azure Functions, none with npm start',
  '#/$defs/deployment/properties/stateful/properties/instance_memory_mb': 'deployment.instance_memory_mb unless given',
  '#/$defs/adapter/properties/log_level/anyOf/1/properties/*':
    'a component without its own level uses the `default` one',
};

interface SchemaProperty {
  pointer: string;
  name: string;
  /** The property's schema with a `$ref` resolved (its own keywords win). */
  node: SchemaNode;
  required: boolean;
}

const isObject = (value: unknown): value is SchemaNode =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function resolve(node: SchemaNode): SchemaNode {
  if (typeof node.$ref !== 'string') return node;
  const defs = (schema.$defs ?? {}) as Record<string, SchemaNode>;
  const { $ref, ...own } = node;
  return { ...(defs[$ref.replace('#/$defs/', '')] ?? {}), ...own };
}

/**
 * Every property of every object schema, the `$defs` included (each visited once, where it is
 * defined). `if` conditions only match documents, they declare nothing, so they are not walked.
 */
function schemaProperties(root: SchemaNode): SchemaProperty[] {
  const found: SchemaProperty[] = [];
  const visit = (node: unknown, pointer: string) => {
    if (!isObject(node)) return;
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    if (isObject(node.properties)) {
      for (const [name, child] of Object.entries(node.properties)) {
        const at = `${pointer}/properties/${escapePointer(name)}`;
        if (!(pointer === '#' && name === '$schema') && isObject(child))
          found.push({ pointer: at, name, node: resolve(child), required: required.has(name) });
        visit(child, at);
      }
    }
    for (const key of ['additionalProperties', 'items', 'then', 'else']) visit(node[key], `${pointer}/${key}`);
    for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
      const branches = node[key];
      if (Array.isArray(branches)) {
        for (const [index, branch] of branches.entries()) visit(branch, `${pointer}/${key}/${index}`);
      }
    }
    for (const key of ['$defs', 'patternProperties', 'dependentSchemas']) {
      const children = node[key];
      if (isObject(children))
        for (const [name, child] of Object.entries(children)) visit(child, `${pointer}/${key}/${escapePointer(name)}`);
    }
  };
  visit(root, '#');
  return found;
}

function allowListEntry(pointer: string): string | undefined {
  return Object.keys(NO_DEFAULT).find((entry) =>
    entry.endsWith('/*')
      ? pointer.startsWith(entry.slice(0, -1)) && !pointer.slice(entry.length - 1).includes('/')
      : entry === pointer,
  );
}

const isScalar = (node: SchemaNode) =>
  ['boolean', 'number', 'integer'].includes(node.type as string) || Array.isArray(node.enum) || 'const' in node;

describe('config reference (docs/configuration.md ⇄ schemas/mcp_config.schema.json)', () => {
  before(async () => {
    // A plain .mjs script without type declarations: imported by URL, so the type-check needs none.
    generator = (await import(pathToFileURL(scriptPath).href)) as ReferenceGenerator;
  });

  test('the reference lives in docs/configuration.md', () => {
    assert.equal(generator.REFERENCE_DOC, 'docs/configuration.md');
  });

  test("docs/configuration.md's config reference is the one rendered from the schema", () => {
    const doc = generator.REFERENCE_DOC;
    const document = readFileSync(path.join(repoRoot, doc), 'utf8');
    const current = generator.extractReference(document);
    assert.notEqual(
      current,
      null,
      `${doc} lacks the <!-- config-reference:start --> ... <!-- config-reference:end --> markers (each on a line of its own, where the reference belongs); then run \`npm run docs:config\``,
    );
    const rendered = generator.renderConfigReference(schema);
    if (current === rendered) return;
    const want = rendered.split('\n');
    const have = (current ?? '').split('\n');
    let line = 0;
    while (line < want.length && want[line] === have[line]) line++;
    assert.fail(
      `${doc}'s config reference is out of date with schemas/mcp_config.schema.json: run \`npm run docs:config\`.\n` +
        `First difference at line ${line + 1} of the marked section:\n  schema says:  ${JSON.stringify(want[line] ?? '(no line)')}\n  ${doc} has: ${JSON.stringify(have[line] ?? '(no line)')}`,
    );
  });

  test('every property has a title, a description and examples', () => {
    const properties = schemaProperties(schema);
    assert.ok(properties.length > 50, `only ${properties.length} properties found: is the walk broken?`);
    const problems = properties.flatMap(({ pointer, node }) => {
      const missing = [];
      if (typeof node.title !== 'string' || node.title.trim() === '') missing.push('title');
      if (typeof node.description !== 'string' || node.description.trim() === '') missing.push('description');
      if (!Array.isArray(node.examples) || node.examples.length === 0) missing.push('examples');
      return missing.length > 0 ? [`${pointer}: no ${missing.join(', ')}`] : [];
    });
    assert.deepEqual(problems, [], `schema properties without documentation:\n  ${problems.join('\n  ')}`);
  });

  test('every optional boolean, number, integer and enum property has a default, or says why not', () => {
    const properties = schemaProperties(schema);
    const problems: string[] = [];
    const used = new Set<string>();
    for (const { pointer, node, required } of properties) {
      if (!isScalar(node) || 'default' in node || required) continue;
      const entry = allowListEntry(pointer);
      if (!entry) {
        problems.push(
          `${pointer}: no default (add one, or add it to NO_DEFAULT with the reason, which its description must give)`,
        );
        continue;
      }
      used.add(entry);
      if (!/\b(default|alias)\b/i.test(String(node.description ?? '')))
        problems.push(`${pointer}: its description does not say what applies without a value (${NO_DEFAULT[entry]})`);
    }
    for (const entry of Object.keys(NO_DEFAULT))
      if (!used.has(entry))
        problems.push(`${entry}: listed in NO_DEFAULT but matches no property without a default; remove it`);
    assert.deepEqual(problems, [], `defaults:\n  ${problems.join('\n  ')}`);
  });

  test('the reference has a section for every object users write and mentions every property', () => {
    const reference = generator.renderConfigReference(schema);
    const defs = (schema.$defs ?? {}) as Record<string, SchemaNode>;
    for (const [name, def] of Object.entries(defs)) {
      if (!isObject(def.properties)) continue;
      assert.ok(
        reference.includes(`### ${String(def.title)}: `),
        `no section for $defs/${name} ("${String(def.title)}")`,
      );
    }
    for (const { pointer, name } of schemaProperties(schema)) {
      assert.ok(
        reference.includes(`.${name}\``) || reference.includes(`\`${name}\``),
        `${pointer} is not in the reference`,
      );
    }
    assert.equal(generator.renderConfigReference(schema), reference, 'rendering is not deterministic');
  });

  test('the markers are replaced in place, keeping the line endings', () => {
    const document = [
      '# Title',
      '',
      '<!-- config-reference:start -->',
      'stale',
      '<!-- config-reference:end -->',
      '',
      '## Next',
      '',
    ].join('\r\n');
    const updated = generator.replaceReference(document, '\nfresh\n');
    assert.equal(
      updated,
      [
        '# Title',
        '',
        '<!-- config-reference:start -->',
        'fresh',
        '<!-- config-reference:end -->',
        '',
        '## Next',
        '',
      ].join('\r\n'),
    );
    assert.equal(generator.extractReference(updated), '\nfresh\n');
    assert.equal(generator.extractReference('no markers'), null);
    assert.throws(
      () => generator.replaceReference('no markers', '\nfresh\n'),
      /has no <!-- config-reference:start -->/,
    );
  });

  test('`--check` accepts docs/configuration.md', () => {
    const result = spawnSync(process.execPath, [scriptPath, '--check'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /^docs\/configuration\.md: the config reference matches the schema\./);
  });

  test('the README keeps no copy of the reference', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.equal(
      generator.extractReference(readme),
      null,
      'README.md has config-reference markers again: the reference lives in docs/configuration.md only',
    );
  });
});
