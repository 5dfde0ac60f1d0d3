#!/usr/bin/env node
// Compiles schemas/mcp_config.schema.json into the standalone validator the adapter loads
// (src/config/schema-validator.generated.ts), so that starting the adapter does not compile the
// schema with Ajv: that compile was a fifth of its start-up time and ~6 MB of its idle memory.
//
//   node scripts/generate-config-validator.mjs           print the module
//   node scripts/generate-config-validator.mjs --write   write it (npm run schema:validator)
//   node scripts/generate-config-validator.mjs --check   exit 1 when it is out of date
//
// The Ajv options are the ones errors are described for (src/config/validate-schema.ts); tests
// import `renderValidator` and check that the committed module is what the schema gives.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
export const SCHEMA_PATH = path.join(root, 'schemas', 'mcp_config.schema.json');
export const VALIDATOR_PATH = path.join(root, 'src', 'config', 'schema-validator.generated.ts');

/** The one runtime helper the generated code uses (string length in code points, for minLength). */
const UCS2LENGTH = 'require("ajv/dist/runtime/ucs2length").default';
const UCS2LENGTH_INLINE = `function ucs2length(str) {
  const len = str.length;
  let length = 0;
  let pos = 0;
  while (pos < len) {
    length++;
    const value = str.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len && (str.charCodeAt(pos) & 0xfc00) === 0xdc00) pos++;
  }
  return length;
}`;

/** The TypeScript module for a schema: Ajv's standalone code, self-contained, typed for its callers. */
export function renderValidator(schema) {
  const { Ajv2020 } = require('ajv/dist/2020.js');
  const standaloneCode = require('ajv/dist/standalone/index.js').default;
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    verbose: true,
    code: { source: true, esm: true, lines: true },
  });
  // Marks fields that hold secrets (see secret-fields.ts); an annotation, not a constraint.
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  let code = standaloneCode(ajv, ajv.compile(schema));
  code = code.split(UCS2LENGTH).join('ucs2length');
  if (/\brequire\(/.test(code))
    throw new Error(
      `the generated validator needs a runtime helper this script does not inline: ${/require\([^)]*\)/.exec(code)[0]}`,
    );
  code = code.replace(/^"use strict";/, '').replace(/^export default \w+;\n?/m, '');
  return [
    '// @ts-nocheck',
    '/* eslint-disable */',
    '// Generated from schemas/mcp_config.schema.json by `npm run schema:validator`',
    '// (scripts/generate-config-validator.mjs, Ajv standalone code): edit the schema, not this file.',
    "import type { ValidateFunction } from 'ajv';",
    '',
    UCS2LENGTH_INLINE,
    code.replace(/^export const validate = (\w+);$/m, 'export const validate: ValidateFunction = $1;').trim(),
    '',
  ].join('\n');
}

function main(args) {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  const module = renderValidator(schema);
  if (args.includes('--write')) {
    writeFileSync(VALIDATOR_PATH, module);
    console.log(`${path.relative(root, VALIDATOR_PATH)}: regenerated from ${path.relative(root, SCHEMA_PATH)}.`);
    return 0;
  }
  if (args.includes('--check')) {
    const current = readFileSync(VALIDATOR_PATH, 'utf8');
    if (current === module) return 0;
    console.error(`${path.relative(root, VALIDATOR_PATH)} is out of date: run npm run schema:validator.`);
    return 1;
  }
  process.stdout.write(module);
  return 0;
}

if (process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url)
  process.exit(main(process.argv.slice(2)));
