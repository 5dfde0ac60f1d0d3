import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { nodeFixtureServer, openRawSession, startAdapter } from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';

/**
 * `${env:NAME}` (and `${NAME}`, `${secret:NAME}`) as the README writes them: the kind is lower
 * case (`env`, `secret`, `input`, as in VS Code), and NAME is an environment variable (an app
 * setting when deployed) read by its exact name. Environment names are case-sensitive on Linux,
 * where the adapter runs on Azure: nothing is upper-cased, lower-cased or matched loosely, except
 * `${input:ID}`, documented as read from MCP_INPUT_<ID> in upper case.
 */
function configFile(env: Record<string, string>, inputs: unknown[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-variables-'));
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify({ inputs, mcpServers: { fixture: nodeFixtureServer([], { env }) } }, null, 2));
  return file;
}

/** The messages of the issues loading this config fails with. */
function issuesOf(file: string, resolveFrom: NodeJS.ProcessEnv): string[] {
  try {
    loadConfigFile(file, { resolveFrom });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail('the config loaded');
}

describe('config variables are case-sensitive', () => {
  test('a name is read exactly as written: mixed-case names are names, and never fall back to another case', () => {
    const file = configFile({
      MIXED: '${env:Api_Url}',
      UPPER: '${env:API_URL}',
      LOWER: '${api_url}',
      SECRET: '${secret:Api_Key}',
    });
    const { config } = loadConfigFile(file, {
      resolveFrom: { Api_Url: 'mixed', API_URL: 'upper', api_url: 'lower', Api_Key: 'key', API_KEY: 'not this one' },
    });
    assert.deepEqual(config.servers.get('fixture')!.env, {
      MIXED: 'mixed',
      UPPER: 'upper',
      LOWER: 'lower',
      SECRET: 'key',
    });

    // Only another case is set: unresolved, and the message names the exact setting to add.
    assert.deepEqual(
      issuesOf(configFile({ URL: '${env:api_url}', KEY: '${secret:Api_Key}' }), { API_URL: 'x', API_KEY: 'y' }),
      [
        '/mcpServers/fixture/env/URL: unresolved variable ${env:api_url}: set api_url in the environment or .env (when deployed: the app setting api_url)',
        '/mcpServers/fixture/env/KEY: unresolved variable ${secret:Api_Key}: set Api_Key in the environment or .env (when deployed: Key Vault, through the app setting Api_Key)',
      ],
    );
  });

  test('the kind is lower case: ${ENV:...} or ${Secret:...} is not a variable kind, and is refused rather than guessed', () => {
    const issues = issuesOf(configFile({ A: '${ENV:API_URL}', B: '${Secret:API_KEY}', C: '${Input:region}' }), {
      API_URL: 'x',
      API_KEY: 'y',
      MCP_INPUT_REGION: 'z',
    });
    for (const [key, text] of [
      ['A', '${ENV:API_URL}'],
      ['B', '${Secret:API_KEY}'],
      ['C', '${Input:region}'],
    ])
      assert.ok(
        issues.includes(
          `/mcpServers/fixture/env/${key}: malformed variable ${text}: a name has letters, digits and '_' and does not start with a digit`,
        ),
        issues.join('\n'),
      );
    // One error each: a malformed name is not also reported as an unresolved variable.
    assert.equal(issues.length, 3, issues.join('\n'));
  });

  test('${input:ID} is the documented exception: read from MCP_INPUT_<ID> in upper case; the id itself must match an input exactly', () => {
    const inputs = [{ id: 'api-key' }];
    const { config } = loadConfigFile(configFile({ KEY: '${input:api-key}' }, inputs), {
      resolveFrom: { MCP_INPUT_API_KEY: 'from-upper', 'MCP_INPUT_api-key': 'not this one' },
    });
    assert.deepEqual(config.servers.get('fixture')!.env, { KEY: 'from-upper' });
    assert.deepEqual(issuesOf(configFile({ KEY: '${input:API-KEY}' }, inputs), { MCP_INPUT_API_KEY: 'x' }), [
      '/mcpServers/fixture/env/KEY: ${input:API-KEY} names no input: add {"id": "API-KEY"} to "inputs"',
    ]);
  });

  test('end to end: the child gets the value of the exactly named variable of the host environment', async () => {
    const hostEnv = { ...process.env, Region_Name: 'west', REGION_NAME: 'east' };
    const adapter = await startAdapter(
      { mcpServers: { fixture: nodeFixtureServer([], { env: { REGION: '${env:Region_Name}' } }) } },
      { hostEnv },
    );
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const child = JSON.parse(await callToolRaw(endpoint, session, 'whoami')) as { env: Record<string, string> };
      assert.equal(child.env.REGION, 'west');
      assert.equal(child.env.Region_Name, undefined, "the host's own variables stay the host's");
    } finally {
      await adapter.close();
    }
  });
});
