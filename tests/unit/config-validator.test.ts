import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseJsonc } from 'jsonc-parser';
import { validate } from '../../src/config/schema-validator.generated.js';
import { repoRoot } from '../helpers/adapter.js';

interface ValidatorGenerator {
  renderValidator(schema: unknown): string;
  VALIDATOR_PATH: string;
}

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/mcp_config.schema.json'), 'utf8')) as Record<
  string,
  unknown
>;
const generator = (await import(
  pathToFileURL(path.join(repoRoot, 'scripts/generate-config-validator.mjs')).href
)) as ValidatorGenerator;

test('the committed standalone validator is what the schema compiles to (npm run schema:validator)', () => {
  assert.equal(
    readFileSync(generator.VALIDATOR_PATH, 'utf8'),
    generator.renderValidator(schema),
    'out of date: run npm run schema:validator',
  );
});

test('it reports what Ajv compiling the schema at run time reports', () => {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    verbose: true,
  });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  const compiled = ajv.compile(schema);
  const fixtures = path.join(repoRoot, 'tests/fixtures/configs');
  const documents: unknown[] = readdirSync(fixtures, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json') && !file.endsWith('.plan.json'))
    .map((file) => parseJsonc(readFileSync(path.join(fixtures, file), 'utf8')) as unknown);
  assert.ok(documents.length > 5);
  documents.push(
    {
      mcpServers: { 'bad name!': { command: '' }, a: { command: 'x', args: 'one string', env: { N: 1 }, sesions: {} } },
    },
    {
      servers: { r: { type: 'sse' }, s: { type: 'stdio' } },
      adapter: { log_level: { auth: 'loud' }, max_sessions: 0 },
    },
    {
      mcpServers: {
        a: { command: 'x', sessions: { warm_pool: -1, idle_timeout_seconds: 0 }, auth: { method: 'kerberos' } },
      },
      deployment: { instance_memory_mb: 1000 },
    },
    [],
    'text',
  );
  const shape = (errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map(({ keyword, instancePath, schemaPath, params, message, data }) => ({
      keyword,
      instancePath,
      schemaPath,
      params,
      message,
      data,
    }));
  for (const document of documents) {
    assert.equal(validate(document), compiled(document), JSON.stringify(document).slice(0, 80));
    assert.deepEqual(shape(validate.errors), shape(compiled.errors), JSON.stringify(document).slice(0, 80));
  }
});
