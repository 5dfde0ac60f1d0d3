#!/usr/bin/env node
// Checks .devcontainer/devcontainer.json against the dev container specification's JSON Schema,
// which the project does not ship (a user's clone has no copy, so `npm test` cannot depend on it):
//
//   node scripts/check-devcontainer.mjs <reference-dir> [devcontainer.json]
//
// <reference-dir> holds devcontainer/ (devcontainers/spec `schemas/`): devContainer.schema.json,
// which combines devContainer.base.schema.json with VS Code's and Codespaces' schemas (those two are
// remote and not in the folder: said so, and left out), and the base schema, draft 2019-09. It
// checks the file as the tools read it (JSON with comments, no trailing commas, as the schema's
// allowComments/allowTrailingCommas say), every schema error (a misspelt property is one: the schema
// allows no unknown properties), and what the schema leaves open: the forwarded port is the one
// `npm start` listens on by default. It prints what it checked and exits 1 with every problem.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rel = (file) => path.relative(root, file).split(path.sep).join('/') || file;

const [referenceDir, target = path.join(root, '.devcontainer/devcontainer.json')] = process.argv.slice(2);
if (!referenceDir || process.argv.length > 4) {
  console.error(
    'usage: node scripts/check-devcontainer.mjs <reference-dir> [devcontainer.json]   (e.g. ../shared/reference)',
  );
  process.exit(2);
}
const schemaDir = path.join(path.resolve(referenceDir), 'devcontainer');
const TOP = 'devContainer.schema.json';
const BASE = 'devContainer.base.schema.json';
for (const needed of [TOP, BASE]) {
  if (!existsSync(path.join(schemaDir, needed))) {
    console.error(
      `check-devcontainer: ${path.join(schemaDir, needed)} not found; pass the folder that holds devcontainer/.`,
    );
    process.exit(2);
  }
}

function requireDependency(name) {
  try {
    return require(name);
  } catch (error) {
    console.error(`check-devcontainer: cannot load ${name} (${error.message.split('\n')[0]}); run \`npm ci\` first.`);
    process.exit(2);
  }
}
const { default: Ajv2019 } = requireDependency('ajv/dist/2019.js');
const jsonc = requireDependency('jsonc-parser');

const problems = [];
const notes = [];
const file = path.resolve(target);
const text = readFileSync(file, 'utf8');

// 1. Syntax, as the schema's editor hints say the tools read it.
const readSchema = (name) => JSON.parse(readFileSync(path.join(schemaDir, name), 'utf8'));
const top = readSchema(TOP);
const base = readSchema(BASE);
const syntaxErrors = [];
const document = jsonc.parse(text, syntaxErrors, {
  disallowComments: base.allowComments === false,
  allowTrailingComma: base.allowTrailingCommas !== false,
});
for (const error of syntaxErrors) {
  const { line, character } = position(error.offset);
  problems.push(`${rel(file)}:${line}:${character}: ${jsonc.printParseErrorCode(error.error)}`);
}

function position(offset) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, character: before.at(-1).length + 1 };
}

function locate(pointer) {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  const node = jsonc.findNodeAtLocation(jsonc.parseTree(text, [], { allowTrailingComma: true }), segments);
  if (!node) return rel(file);
  // A property's node is its value; point at the property's name where there is one.
  const at = node.parent?.type === 'property' ? node.parent.offset : node.offset;
  const { line, character } = position(at);
  return `${rel(file)}:${line}:${character}`;
}

// 2. The schema. Its top level also names VS Code's and Codespaces' schemas by https URL; they are
// not in the reference folder, so they are left out (they only describe `customizations`, which
// the base schema takes as any object) and said so.
if (syntaxErrors.length === 0) {
  const id = (name) => `https://containers.dev/reference-schema/${name}`;
  const remote = [];
  const resolvable = {
    ...top,
    $id: id(TOP),
    allOf: top.allOf.filter((part) => {
      if (/^https?:/.test(part.$ref ?? '')) {
        remote.push(part.$ref);
        return false;
      }
      return true;
    }),
  };
  for (const ref of remote) notes.push(`not checked (remote, not in ${rel(schemaDir)}): ${ref}`);
  const ajv = new Ajv2019({ allErrors: true, strictTypes: false, allowUnionTypes: true });
  // VS Code's editor hints in the schema: annotations, nothing to validate.
  ajv.addVocabulary([
    'allowComments',
    'allowTrailingCommas',
    'deprecationMessage',
    'markdownDescription',
    'enumDescriptions',
    'markdownEnumDescriptions',
    'defaultSnippets',
    'errorMessage',
    'patternErrorMessage',
    'doNotSuggest',
  ]);
  ajv.addFormat('uri', (value) => URL.canParse(value));
  ajv.addSchema({ ...base, $id: id(BASE) });
  let validate;
  try {
    validate = ajv.compile(resolvable);
  } catch (error) {
    console.error(`check-devcontainer: the schema in ${schemaDir} does not compile: ${error.message}`);
    process.exit(2);
  }
  if (!validate(document)) {
    const seen = new Set();
    for (const error of validate.errors) {
      const unknown = error.params.unevaluatedProperty ?? error.params.additionalProperty;
      const at =
        unknown === undefined
          ? error.instancePath
          : `${error.instancePath}/${unknown.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const problem = `${locate(at)}: ${describe(error)}`;
      if (!seen.has(problem)) problems.push(problem);
      seen.add(problem);
    }
    if (validate.errors.some((error) => error.schemaPath.startsWith('#/oneOf/')))
      notes.push(
        'errors under #/oneOf/<n> are each alternative the schema allows (0: an image, Dockerfile or Compose container; 1: no container at all): the alternative meant is usually 0',
      );
  }
}

function describe(error) {
  const where = error.instancePath || '(top level)';
  if (error.keyword === 'unevaluatedProperties' || error.keyword === 'additionalProperties') {
    const name = error.params.unevaluatedProperty ?? error.params.additionalProperty;
    return `${where}: unknown property "${name}" (${error.schemaPath})`;
  }
  return `${where}: ${error.message} (${error.schemaPath})`;
}

// 3. What the schema leaves open.
if (syntaxErrors.length === 0 && document && typeof document === 'object') {
  const serve = readFileSync(path.join(root, 'src/serve.ts'), 'utf8');
  const port = /env\.PORT \?\? (\d+)/.exec(serve)?.[1];
  if (!port) problems.push('src/serve.ts: cannot find the default port of `npm start` (env.PORT ?? <port>)');
  else if (!(document.forwardPorts ?? []).map(String).includes(port))
    problems.push(
      `${locate('/forwardPorts')}: forwardPorts must list ${port}, the port \`npm start\` listens on by default`,
    );
}

console.log(`check-devcontainer: ${rel(file)} against ${rel(path.join(schemaDir, TOP))} (draft 2019-09)`);
for (const note of notes) console.log(`  note: ${note}`);
if (problems.length > 0) {
  console.error(`check-devcontainer: ${problems.length} problem(s):`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log('check-devcontainer: OK');
