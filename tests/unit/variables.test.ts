import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigDocument } from '../../src/config/document.js';
import {
  collectVariables,
  inputSettingName,
  resolveVariables,
  settingsReadBy,
  type VariableSources,
} from '../../src/config/variables.js';

/**
 * Variables in config strings: which are found (and which are malformed), where they are read
 * from, and what an unresolved one, or a Key Vault reference the platform left literal, says.
 */
const document = (mcpServers: Record<string, unknown>, extra: Partial<ConfigDocument> = {}) =>
  ({ mcpServers, ...extra }) as unknown as ConfigDocument;

const inputs = [
  { id: 'region', default: 'westeurope' },
  { id: 'token', password: true },
  { id: 'api-key.v2_x' },
  { id: 'blank', default: '' },
  { id: 'nodefault' },
];

describe('config variables', () => {
  test('found with kind, name, text, JSON Pointer and whether they are secret', () => {
    const { uses, issues } = collectVariables(
      document(
        {
          'a/b~c': {
            command: '${TOOL_BIN}',
            args: ['--dir', '${workspaceFolder}/data', '${env:_HOME2}-${secret:Api_Key}'],
            env: { R: '${input:region}', T: '${input:token}', K: '${input:api-key.v2_x}' },
            number: 7,
            flag: true,
            none: null,
          },
        },
        {
          $schema: '${NOT_READ}',
          inputs: [...inputs, { id: 'described', description: '${NOT_READ_EITHER}' }],
        } as Partial<ConfigDocument>,
      ),
    );
    assert.deepEqual(issues, []);
    assert.deepEqual(
      uses.map((use) => [use.kind, use.name, use.text, use.path, use.secret]),
      [
        ['env', 'TOOL_BIN', '${TOOL_BIN}', '/mcpServers/a~1b~0c/command', false],
        ['workspaceFolder', 'workspaceFolder', '${workspaceFolder}', '/mcpServers/a~1b~0c/args/1', false],
        ['env', '_HOME2', '${env:_HOME2}', '/mcpServers/a~1b~0c/args/2', false],
        ['secret', 'Api_Key', '${secret:Api_Key}', '/mcpServers/a~1b~0c/args/2', true],
        ['input', 'region', '${input:region}', '/mcpServers/a~1b~0c/env/R', false],
        ['input', 'token', '${input:token}', '/mcpServers/a~1b~0c/env/T', true],
        ['input', 'api-key.v2_x', '${input:api-key.v2_x}', '/mcpServers/a~1b~0c/env/K', false],
      ],
    );
  });

  test('malformed names and unknown inputs are issues; prefixes are lower case only', () => {
    const { uses, issues } = collectVariables(
      document(
        {
          a: {
            env: {
              A: '${1ABC}',
              B: '${A-B}',
              C: '${}',
              D: '${env:}',
              E: '${ENV:HOME}',
              F: '${Secret:KEY}',
              G: '${input:a b}',
              H: '${input:nope}',
              I: '${input:}',
              J: '${input:a/b}',
              K: '${AB$}',
              L: '${ SPACED }',
              M: '${ secret:X }',
            },
          },
        },
        { inputs } as Partial<ConfigDocument>,
      ),
    );
    const name = "a name has letters, digits and '_' and does not start with a digit";
    const id = "an input id has letters, digits, '_', '.', '-'";
    assert.deepEqual(
      issues.map((issue) => `${issue.path}: ${issue.message}`),
      [
        `/mcpServers/a/env/A: malformed variable \${1ABC}: ${name}`,
        `/mcpServers/a/env/B: malformed variable \${A-B}: ${name}`,
        `/mcpServers/a/env/C: malformed variable \${}: ${name}`,
        `/mcpServers/a/env/D: malformed variable \${env:}: ${name}`,
        `/mcpServers/a/env/E: malformed variable \${ENV:HOME}: ${name}`,
        `/mcpServers/a/env/F: malformed variable \${Secret:KEY}: ${name}`,
        `/mcpServers/a/env/G: malformed variable \${input:a b}: ${id}`,
        '/mcpServers/a/env/H: ${input:nope} names no input: add {"id": "nope"} to "inputs"',
        `/mcpServers/a/env/I: malformed variable \${input:}: ${id}`,
        `/mcpServers/a/env/J: malformed variable \${input:a/b}: ${id}`,
        `/mcpServers/a/env/K: malformed variable \${AB$}: ${name}`,
        // The prefix must come first: this is not a secret but a malformed plain name.
        `/mcpServers/a/env/M: malformed variable \${ secret:X }: ${name}`,
      ],
    );
    assert.deepEqual(
      uses.map((use) => [use.kind, use.name]),
      [['env', 'SPACED']],
      'spaces around a name do not matter',
    );
  });

  test('the settings read: names of env and secret variables, inputs as MCP_INPUT_*, never workspaceFolder', () => {
    assert.equal(inputSettingName('api-key.v2'), 'MCP_INPUT_API_KEY_V2');
    assert.equal(inputSettingName('Region9'), 'MCP_INPUT_REGION9');
    const { uses } = collectVariables(
      document(
        { a: { command: '${A}', args: ['${secret:B}', '${input:api-key.v2_x}', '${workspaceFolder}', '${env:A}'] } },
        { inputs } as Partial<ConfigDocument>,
      ),
    );
    assert.deepEqual([...settingsReadBy(uses)].sort(), ['A', 'B', 'MCP_INPUT_API_KEY_V2_X']);
  });

  test('resolved from the environment first, then .env; inputs from MCP_INPUT_*, then their default', () => {
    const sources: VariableSources = {
      env: { A: 'from-env', EMPTY: '', MCP_INPUT_TOKEN: 't0k', MCP_INPUT_REGION: '', MCP_INPUT_NODEFAULT: '' },
      dotenv: { A: 'from-dotenv', B: 'only-dotenv', EMPTY: 'not-used' },
      inputs,
      workspaceFolder: '/project',
    };
    const { document: resolved, issues } = resolveVariables(
      {
        $schema: '${A}',
        inputs: [{ id: '${A}' }],
        mcpServers: {
          a: {
            command: '${A}',
            args: ['${env:B}/${secret:A}', '${workspaceFolder}/x', '${input:token}', '${input:region}', '${EMPTY}'],
            env: { BLANK: '${input:nodefault}', N: 3, F: false, Z: null },
          },
        },
      },
      sources,
    );
    assert.deepEqual(issues, [], 'an input left blank without a default is blank');
    assert.deepEqual(resolved, {
      $schema: '${A}',
      inputs: [{ id: '${A}' }],
      mcpServers: {
        a: {
          command: 'from-env',
          args: ['only-dotenv/from-env', '/project/x', 't0k', 'westeurope', ''],
          env: { BLANK: '', N: 3, F: false, Z: null },
        },
      },
    });
  });

  test('names are read without the spaces around them; an input that does not exist is unresolved', () => {
    const { document: resolved, issues } = resolveVariables(
      { a: '${ SPACED }/${secret: KEY }', b: '${input:unknown}' },
      { env: { SPACED: 's', KEY: 'k' }, dotenv: {}, inputs: [], workspaceFolder: '/p' },
    );
    assert.deepEqual(resolved, { a: 's/k', b: '${input:unknown}' });
    assert.deepEqual(
      issues.map((issue) => issue.message),
      [
        'unresolved variable ${input:unknown}: set MCP_INPUT_UNKNOWN in the environment or .env (when deployed: in the azd environment)',
      ],
    );
  });

  test('unresolved variables name themselves and where to set them, never a value', () => {
    const { document: resolved, issues } = resolveVariables(
      { a: ['${env:MISSING}', '${secret:GONE}', '${input:token}', 'keep ${PLAIN} text', '${input:blank}'] },
      { env: { OTHER: 'v4lue' }, dotenv: {}, inputs, workspaceFolder: '/p' },
    );
    assert.deepEqual(resolved, {
      a: ['${env:MISSING}', '${secret:GONE}', '${input:token}', 'keep ${PLAIN} text', '${input:blank}'],
    });
    assert.deepEqual(
      issues.map((issue) => `${issue.path}: ${issue.message}`),
      [
        '/a/0: unresolved variable ${env:MISSING}: set MISSING in the environment or .env (when deployed: the app setting MISSING)',
        '/a/1: unresolved variable ${secret:GONE}: set GONE in the environment or .env (when deployed: Key Vault, through the app setting GONE)',
        '/a/2: unresolved variable ${input:token}: set MCP_INPUT_TOKEN in the environment or .env (when deployed: in the azd environment)',
        '/a/3: unresolved variable ${PLAIN}: set PLAIN in the environment or .env (when deployed: the app setting PLAIN)',
        // An empty default is no default.
        '/a/4: unresolved variable ${input:blank}: set MCP_INPUT_BLANK in the environment or .env (when deployed: in the azd environment)',
      ],
    );
  });

  test('a Key Vault reference the platform left literal is refused, whatever its case', () => {
    for (const value of [
      '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k/)',
      '@microsoft.keyvault(VaultName=kv;SecretName=k)',
      '@MICROSOFT.KEYVAULT(VaultName=kv;SecretName=k)',
    ]) {
      const { document: resolved, issues } = resolveVariables(
        { key: '${secret:KEY}', input: '${input:token}' },
        { env: { KEY: value, MCP_INPUT_TOKEN: value }, dotenv: {}, inputs, workspaceFolder: '/p' },
      );
      assert.deepEqual(resolved, { key: '${secret:KEY}', input: '${input:token}' }, value);
      assert.deepEqual(
        issues.map((issue) => issue.path),
        ['/key', '/input'],
      );
      assert.equal(
        issues[0]!.message,
        `\${secret:KEY} is still a Key Vault reference: the app could not resolve it (check that the secret exists and that the app's identity has the "Key Vault Secrets User" role)`,
      );
      assert.ok(!JSON.stringify(issues).includes('VaultName') && !JSON.stringify(issues).includes('vault.azure.net'));
    }
    // Only a value that starts with the reference is one.
    const { issues } = resolveVariables(
      { key: '${KEY}' },
      { env: { KEY: 'see @Microsoft.KeyVault(x)' }, dotenv: {}, inputs: [], workspaceFolder: '/p' },
    );
    assert.deepEqual(issues, []);
  });
});
