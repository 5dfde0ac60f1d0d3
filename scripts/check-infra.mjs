#!/usr/bin/env node
// Checks the Bicep in infra/ and azure.yaml against public reference data, which the project
// does not ship (a user's clone has no copy, so `npm test` cannot depend on it):
//
//   node scripts/check-infra.mjs <reference-dir>
//
// <reference-dir> holds bicep-types/ (Azure/bicep-types-az: az-index.json.gz and some types.json)
// and azd/ (azd's JSON Schema for azure.yaml with its extension schemas). It checks:
//   - every `resource` Type@apiVersion exists (Microsoft.Graph types against a short list here);
//   - where that API version's types.json is present, the property names of each resource body,
//     recursively through object and array literals (unknown, read-only and missing required
//     properties, and string literals outside an enum);
//   - azure.yaml against the schema, plus what the schema leaves open: top-level keys, host and
//     language values, hook scripts, the azd-service-name tag of each service, and that each
//     variable a service's `condition` reads is an output of infra/main.bicep;
//   - the deployment's shape (scripts/infra-topology.mjs, also run by tests/infra/topology.test.ts):
//     one site and plan per planned app, one package container per app, one identity for all, the
//     stateful app at maximumInstanceCount 1 in every plan, no RollingUpdate, no Redis.
// It prints what it checked and exits 1 with file:line messages when something is wrong.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { checkTopology, readInfra, readPlans } from './infra-topology.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const infraDir = path.join(root, 'infra');
const rel = (file) => path.relative(root, file).split(path.sep).join('/');

// Microsoft Graph Bicep extension (v1.0) resource types: not in bicep-types-az.
const GRAPH_TYPES = [
  'Microsoft.Graph/applications@v1.0',
  'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0',
  'Microsoft.Graph/appRoleAssignedTo@v1.0',
  'Microsoft.Graph/groups@v1.0',
  'Microsoft.Graph/oauth2PermissionGrants@v1.0',
  'Microsoft.Graph/servicePrincipals@v1.0',
  'Microsoft.Graph/users@v1.0',
];
// Keys Bicep adds to every resource body.
const BICEP_RESOURCE_KEYS = new Set(['parent', 'scope', 'dependsOn']);
// bicep-types property flags.
const REQUIRED = 1;
const READ_ONLY = 2;

const problems = [];
const notes = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

const referenceDir = process.argv[2];
if (!referenceDir || process.argv.length > 3) {
  console.error('usage: node scripts/check-infra.mjs <reference-dir>   (e.g. ../shared/reference)');
  process.exit(2);
}
const reference = path.resolve(referenceDir);
for (const needed of ['bicep-types/az-index.json.gz', 'azd/azure.yaml.schema.json']) {
  if (!existsSync(path.join(reference, needed))) {
    console.error(
      `check-infra: ${path.join(reference, needed)} not found; pass the folder that holds bicep-types/ and azd/.`,
    );
    process.exit(2);
  }
}

function requireDev(name) {
  try {
    return require(name);
  } catch (error) {
    console.error(`check-infra: cannot load ${name} (${error.message.split('\n')[0]}); run \`npm ci\` first.`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Bicep: parse with tree-sitter
// ---------------------------------------------------------------------------------------------

const Parser = requireDev('tree-sitter');
const parser = new Parser();
parser.setLanguage(requireDev('tree-sitter-bicep'));

function bicepFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? bicepFiles(path.join(dir, entry.name))
        : entry.name.endsWith('.bicep')
          ? [path.join(dir, entry.name)]
          : [],
    )
    .sort();
}

// The grammar predates `extension`: rewrite it to the older `import` on the same line.
const prepare = (text) =>
  text.replace(
    /^([ \t]*)extension[ \t]+'?([\w.:/-]+)'?[^\r\n]*$/gm,
    (_l, indent, name) => `${indent}import '${name}@1.0.0'`,
  );

function parse(file) {
  const text = prepare(readFileSync(file, 'utf8'));
  const tree = parser.parse((index) => text.slice(index, index + 4096));
  return { file, text, root: tree.rootNode };
}

const at = (file, node) => `${rel(file)}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
const named = (node) => node.namedChildren.filter((child) => child.type !== 'comment');

function stringValue(node) {
  if (node?.type !== 'string') return undefined;
  const parts = node.namedChildren;
  if (parts.some((part) => part.type !== 'string_content' && part.type !== 'escape_sequence')) return undefined;
  return parts.map((part) => part.text).join('');
}

function propertyKey(property) {
  const key = property.namedChildren[0];
  if (!key) return undefined;
  return key.type === 'identifier' ? key.text : stringValue(key);
}

function propertyValue(property) {
  const children = named(property);
  return children.length > 1 ? children[children.length - 1] : undefined;
}

/** The object literal of a resource body: through `[for ...: ...]` and `if (...) {...}`. */
function bodyObject(node) {
  if (!node) return undefined;
  if (node.type === 'object') return node;
  if (node.type === 'for_statement' || node.type === 'if_statement') return bodyObject(named(node).at(-1));
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Bicep: resource types and property names
// ---------------------------------------------------------------------------------------------

const typesDir = path.join(reference, 'bicep-types');
const index = JSON.parse(gunzipSync(readFileSync(path.join(typesDir, 'az-index.json.gz'))).toString('utf8'));
const indexByLowerKey = new Map(Object.keys(index).map((key) => [key.toLowerCase(), key]));
const typeFiles = new Map();

function loadTypes(relativePath) {
  if (!typeFiles.has(relativePath)) {
    const file = path.join(typesDir, relativePath);
    typeFiles.set(
      relativePath,
      existsSync(file) ? { path: relativePath, types: JSON.parse(readFileSync(file, 'utf8')) } : null,
    );
  }
  return typeFiles.get(relativePath);
}

/**
 * The ResourceType definition for an index entry, or null when the reference has no types.json
 * for that API version. The reference folder may drop the index's partition suffix
 * (resources_11/... is kept as resources/...), so the entry is found by name, not only by position.
 */
function findResourceType(indexKey) {
  const [indexPath, fragment] = index[indexKey][0].split('#');
  const candidates = [indexPath, indexPath.replace(/^([a-z0-9.-]+)_\d+\//i, '$1/')];
  for (const candidate of candidates) {
    const loaded = loadTypes(candidate);
    if (!loaded) continue;
    const resolve = resolver(loaded.types);
    const byPosition = resolve({ $ref: `#${fragment}` });
    const isIt = (t) => t?.$type === 'ResourceType' && t.name.toLowerCase() === indexKey.toLowerCase();
    const resourceType = isIt(byPosition) ? byPosition : loaded.types.find(isIt);
    if (resourceType) return { path: candidate, resolve, resourceType };
  }
  return null;
}

function resolver(types) {
  return (ref) => {
    if (!ref) return undefined;
    const match = /^#\/(\d+)$/.exec(ref.$ref ?? '');
    return match ? types[Number(match[1])] : undefined;
  };
}

const enumValues = (type, resolve) => {
  if (type?.$type === 'StringLiteralType') return [type.value];
  if (type?.$type !== 'UnionType') return undefined;
  const members = type.elements.map(resolve);
  if (!members.every((member) => member?.$type === 'StringLiteralType')) return undefined;
  return members.map((member) => member.value);
};

function objectShape(type, objectNode, resolve) {
  if (type?.$type === 'ObjectType')
    return { properties: type.properties ?? {}, additional: type.additionalProperties, exact: true };
  if (type?.$type === 'DiscriminatedObjectType') {
    const discriminatorProperty = objectNode.namedChildren.find(
      (p) => p.type === 'object_property' && propertyKey(p) === type.discriminator,
    );
    const value = discriminatorProperty ? stringValue(propertyValue(discriminatorProperty)) : undefined;
    const element = value !== undefined ? resolve(type.elements[value]) : undefined;
    if (element)
      return {
        properties: { ...type.baseProperties, ...element.properties },
        additional: element.additionalProperties,
        exact: true,
        variant: value,
      };
    const all = Object.values(type.elements).map(resolve).filter(Boolean);
    return { properties: Object.assign({}, type.baseProperties, ...all.map((e) => e.properties)), exact: false };
  }
  return undefined;
}

function checkValue(ctx, node, typeRef, where) {
  if (!node) return;
  const type = ctx.resolve(typeRef);
  if (!type) return;
  switch (node.type) {
    case 'object':
      if (objectShape(type, node, ctx.resolve)) checkObject(ctx, node, type, where, false);
      return;
    case 'array':
      if (type.$type === 'ArrayType')
        for (const item of named(node)) checkValue(ctx, item, type.itemType, `${where}[]`);
      return;
    case 'for_statement':
      if (type.$type === 'ArrayType')
        checkValue(ctx, bodyObject(node) ?? named(node).at(-1), type.itemType, `${where}[]`);
      return;
    case 'ternary_expression':
      checkValue(ctx, node.childForFieldName('consequence'), typeRef, where);
      checkValue(ctx, node.childForFieldName('alternative'), typeRef, where);
      return;
    case 'parenthesized_expression':
      checkValue(ctx, named(node)[0], typeRef, where);
      return;
    case 'string': {
      const literal = stringValue(node);
      const allowed = enumValues(type, ctx.resolve);
      if (literal !== undefined && allowed && !allowed.some((value) => value.toLowerCase() === literal.toLowerCase())) {
        problem(
          at(ctx.file, node),
          `${where} is '${literal}', not one of ${allowed.map((v) => `'${v}'`).join(', ')} (${ctx.typeName})`,
        );
      }
      return;
    }
    default:
  }
}

function checkObject(ctx, objectNode, type, where, topLevel) {
  const shape = objectShape(type, objectNode, ctx.resolve);
  if (!shape) return;
  const present = new Set();
  for (const property of objectNode.namedChildren.filter((child) => child.type === 'object_property')) {
    const key = propertyKey(property);
    const value = propertyValue(property);
    const path = where ? `${where}.${key ?? '<computed>'}` : (key ?? '<computed>');
    if (key === undefined) {
      if (shape.additional) checkValue(ctx, value, shape.additional, path);
      continue;
    }
    present.add(key.toLowerCase());
    if (topLevel && BICEP_RESOURCE_KEYS.has(key)) continue;
    let definition = shape.properties[key];
    if (!definition) {
      const caseInsensitive = Object.keys(shape.properties).find((name) => name.toLowerCase() === key.toLowerCase());
      if (caseInsensitive) {
        notes.push(`${at(ctx.file, property)}: ${path} is spelled ${caseInsensitive} in ${ctx.typeName}`);
        definition = shape.properties[caseInsensitive];
      }
    }
    ctx.checked += 1;
    if (!definition) {
      if (shape.additional) {
        checkValue(ctx, value, shape.additional, path);
        continue;
      }
      const known = Object.entries(shape.properties)
        .filter(([, d]) => !(d.flags & READ_ONLY))
        .map(([name]) => name);
      problem(
        at(ctx.file, property),
        `${path} is not a property of ${ctx.typeName}${shape.variant ? ` (${shape.variant})` : ''}; settable: ${known.join(', ')}`,
      );
      continue;
    }
    if (definition.flags & READ_ONLY && !(definition.flags & REQUIRED) && !(topLevel && key === 'name')) {
      problem(at(ctx.file, property), `${path} is read-only in ${ctx.typeName}`);
    }
    checkValue(ctx, value, definition.type, path);
  }
  if (shape.exact && !ctx.existing) {
    for (const [name, definition] of Object.entries(shape.properties)) {
      if (definition.flags & REQUIRED && !(definition.flags & READ_ONLY) && !present.has(name.toLowerCase())) {
        problem(at(ctx.file, objectNode), `${where ? `${where}.` : ''}${name} is required by ${ctx.typeName}`);
      }
    }
  }
}

function readBicepConfigAliases() {
  const file = path.join(infraDir, 'bicepconfig.json');
  if (!existsSync(file)) return new Set();
  const { parse: parseJsonc } = requireDev('jsonc-parser');
  const config = parseJsonc(readFileSync(file, 'utf8')) ?? {};
  return new Set(Object.keys(config.extensions ?? {}));
}

function checkBicep() {
  const files = bicepFiles(infraDir);
  const aliases = readBicepConfigAliases();
  const summary = new Map();
  for (const file of files) {
    const parsed = parse(file);
    const extensions = [...parsed.text.matchAll(/^[ \t]*import '([\w.:/-]+)@1\.0\.0'/gm)].map((m) => m[1]);
    for (const extension of extensions) {
      if (!aliases.has(extension))
        problem(rel(file), `extension ${extension} has no alias in infra/bicepconfig.json "extensions"`);
    }
    for (const declaration of parsed.root.descendantsOfType('resource_declaration')) {
      const parts = named(declaration);
      const typeNode = parts.find((child) => child.type === 'string');
      const typeString = stringValue(typeNode);
      const where = at(file, declaration);
      if (!typeString?.includes('@')) {
        problem(where, `resource type ${typeNode?.text ?? '?'} should be a literal 'Type@apiVersion'`);
        continue;
      }
      const existing = declaration.children.some((child) => child.type === 'existing');
      const body = bodyObject(parts.at(-1));
      const entry = summary.get(typeString) ?? { uses: 0, checked: 0, how: '' };
      summary.set(typeString, entry);
      entry.uses += 1;
      if (typeString.startsWith('Microsoft.Graph/')) {
        entry.how = 'Microsoft Graph extension type list';
        if (!GRAPH_TYPES.includes(typeString))
          problem(
            where,
            `${typeString} is not a Microsoft Graph Bicep extension v1.0 type (${GRAPH_TYPES.join(', ')})`,
          );
        if (extensions.length === 0)
          problem(where, `${typeString} needs \`extension microsoftGraphV1\` at the top of ${rel(file)}`);
        continue;
      }
      if (!typeString.split('@')[0].includes('/')) {
        notes.push(`${where}: nested resource ${typeString} not checked`);
        continue;
      }
      const key = indexByLowerKey.get(typeString.toLowerCase());
      if (!key) {
        const [typeName] = typeString.split('@');
        const versions = Object.keys(index)
          .filter((k) => k.toLowerCase().startsWith(`${typeName.toLowerCase()}@`))
          .map((k) => k.split('@')[1])
          .sort();
        problem(
          where,
          versions.length
            ? `${typeString}: no such API version; known: ${versions.slice(-6).join(', ')}`
            : `${typeString}: no such resource type`,
        );
        continue;
      }
      const found = findResourceType(key);
      if (!found) {
        entry.how ||= 'API version in the index (no types.json for it in the reference)';
        continue;
      }
      entry.how = `properties checked against ${found.path}`;
      const { resolve } = found;
      const bodyType = resolve(found.resourceType.body);
      if (!body) {
        notes.push(`${where}: ${typeString} body is not an object literal; properties not checked`);
        continue;
      }
      const ctx = { file, resolve, typeName: typeString, checked: 0, existing };
      if (existing) {
        for (const property of body.namedChildren.filter((child) => child.type === 'object_property')) {
          const name = propertyKey(property);
          if (name && !['name', 'parent', 'scope'].includes(name))
            problem(at(file, property), `an existing resource takes only name, parent and scope, not ${name}`);
        }
        continue;
      }
      checkObject(ctx, body, bodyType, '', true);
      entry.checked += ctx.checked;
    }
  }
  console.log(
    `Bicep: ${files.length} files, ${[...summary.values()].reduce((n, e) => n + e.uses, 0)} resource declarations`,
  );
  for (const [typeString, entry] of [...summary.entries()].sort()) {
    console.log(
      `  ${typeString} x${entry.uses}: ${entry.how || 'checked'}${entry.checked ? ` (${entry.checked} property names)` : ''}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// azure.yaml
// ---------------------------------------------------------------------------------------------

function checkAzureYaml() {
  const file = path.join(root, 'azure.yaml');
  if (!existsSync(file)) {
    problem('azure.yaml', 'missing');
    return;
  }
  const YAML = requireDev('yaml');
  const text = readFileSync(file, 'utf8');
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { lineCounter });
  if (document.errors.length > 0) {
    for (const error of document.errors)
      problem(`azure.yaml:${error.linePos?.[0]?.line ?? 1}`, error.message.split('\n')[0]);
    return;
  }
  const project = document.toJS();
  const lineOf = (segments) => {
    for (let n = segments.length; n >= 0; n -= 1) {
      const node = n === 0 ? document.contents : document.getIn(segments.slice(0, n), true);
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return 1;
  };

  const azdDir = path.join(reference, 'azd');
  const schema = JSON.parse(readFileSync(path.join(azdDir, 'azure.yaml.schema.json'), 'utf8'));
  const Ajv2019 = requireDev('ajv/dist/2019').default;
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  ajv.addMetaSchema(requireDev('ajv/dist/refs/json-schema-draft-07.json'));
  const extDir = path.join(azdDir, 'ext');
  const extFiles = existsSync(extDir) ? walk(extDir).filter((f) => f.endsWith('.json')) : [];
  for (const extFile of extFiles) {
    const key = `https://raw.githubusercontent.com/Azure/azure-dev/main/${path.relative(extDir, extFile).split(path.sep).join('/')}`;
    const extSchema = JSON.parse(readFileSync(extFile, 'utf8'));
    if (!ajv.getSchema(key))
      ajv.addSchema(
        extSchema.$id && extSchema.$id !== key ? { ...extSchema, $id: key } : extSchema,
        extSchema.$id ? undefined : key,
      );
  }
  const validate = ajv.compile(schema);
  if (!validate(project)) {
    for (const error of validate.errors ?? []) {
      const segments = error.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      problem(
        `azure.yaml:${lineOf(segments)}`,
        `${error.instancePath || '/'} ${error.message}${error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ''}`,
      );
    }
  }

  // What the schema leaves open.
  const topLevel = Object.keys(schema.properties ?? {});
  for (const key of Object.keys(project ?? {}))
    if (!topLevel.includes(key))
      problem(`azure.yaml:${lineOf([key])}`, `unknown top-level key ${key} (known: ${topLevel.join(', ')})`);
  const serviceSchema = schema.properties?.services?.additionalProperties?.properties ?? {};
  const hosts = serviceSchema.host?.examples ?? [];
  const languages = serviceSchema.language?.examples ?? [];
  const bicepText = bicepFiles(infraDir)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const [name, service] of Object.entries(project?.services ?? {})) {
    if (!hosts.includes(service?.host))
      problem(
        `azure.yaml:${lineOf(['services', name, 'host'])}`,
        `services.${name}.host '${service?.host}' is not an azd host (${hosts.join(', ')})`,
      );
    if (service?.language !== undefined && !languages.includes(service.language))
      problem(
        `azure.yaml:${lineOf(['services', name, 'language'])}`,
        `services.${name}.language '${service.language}' is not an azd language (${languages.join(', ')})`,
      );
    if (service?.project && !existsSync(path.join(root, service.project)))
      problem(
        `azure.yaml:${lineOf(['services', name, 'project'])}`,
        `services.${name}.project ${service.project} does not exist`,
      );
    // Tagged literally, or through function-app.bicep's serviceName parameter (@allowed lists it).
    const tagged =
      new RegExp(`'azd-service-name':\\s*'${name}'|serviceName:\\s*'${name}'`).test(bicepText) ||
      new RegExp(`@allowed\\(\\[[^\\]]*'${name}'[^\\]]*\\]\\)\\s*param serviceName\\b`).test(bicepText);
    if (typeof service?.condition === 'string') {
      const outputs = new Set(
        [...readFileSync(path.join(infraDir, 'main.bicep'), 'utf8').matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]),
      );
      for (const [, variable] of service.condition.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g))
        if (!outputs.has(variable))
          problem(
            `azure.yaml:${lineOf(['services', name, 'condition'])}`,
            `services.${name}.condition reads ${variable}, which is not an output of infra/main.bicep`,
          );
    }
    if (!tagged)
      problem(`azure.yaml:${lineOf(['services', name])}`, `no resource in infra/ is tagged azd-service-name '${name}'`);
    console.log(
      `azure.yaml: service ${name}: host ${service?.host}, language ${service?.language}, tagged in infra/: ${tagged ? 'yes' : 'no'}`,
    );
  }
  const infraPath = project?.infra?.path ?? 'infra';
  const infraModule = project?.infra?.module ?? 'main';
  if (!existsSync(path.join(root, infraPath, `${infraModule}.bicep`)))
    problem('azure.yaml', `${infraPath}/${infraModule}.bicep (azd's infra entry point) does not exist`);
  const missingScripts = new Set();
  for (const [hookName, hook] of Object.entries(project?.hooks ?? {})) {
    const variants = Array.isArray(hook) ? hook : [hook];
    for (const variant of variants) {
      for (const [platform, config] of Object.entries({
        posix: variant?.posix,
        windows: variant?.windows,
        default: variant,
      })) {
        const run = config?.run;
        const script = typeof run === 'string' ? /^node\s+(\S+)/.exec(run.trim())?.[1] : undefined;
        if (script && !existsSync(path.join(root, script)) && !missingScripts.has(script)) {
          missingScripts.add(script);
          problem(
            `azure.yaml:${lineOf(['hooks', hookName, ...(platform === 'default' ? [] : [platform]), 'run'])}`,
            `hook ${hookName} runs ${script}, which does not exist`,
          );
        }
      }
    }
  }
  console.log(
    `azure.yaml: validated against ${rel(path.join(azdDir, 'azure.yaml.schema.json')).startsWith('..') ? path.join(referenceDir, 'azd/azure.yaml.schema.json') : 'azd/azure.yaml.schema.json'} (${extFiles.length} extension schemas); hooks: ${Object.keys(project?.hooks ?? {}).join(', ') || 'none'}`,
  );
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

checkBicep();
checkAzureYaml();
{
  const { problems: found, notes: said } = checkTopology({ files: readInfra(infraDir), plans: readPlans(root) });
  for (const line of said) console.log(line);
  for (const line of found) problem('topology', line);
}
for (const note of notes) console.log(`note: ${note}`);
if (problems.length > 0) {
  console.error(`\ncheck-infra: ${problems.length} problem(s):`);
  for (const line of problems) console.error(`  ${line}`);
  process.exit(1);
}
console.log('\ncheck-infra: no problems found');
