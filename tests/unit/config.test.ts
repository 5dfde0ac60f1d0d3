import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { discoverConfigPath, loadConfigFile, parseConfig, type LoadOptions } from '../../src/config/load-config.js';
import { repoRoot } from '../helpers/adapter.js';

const FILE = '/project/mcp_config.json';

/** The issues of an invalid config, each as `line:column path: message`. */
function issuesOf(text: string, options: LoadOptions = {}): string[] {
  try {
    parseConfig(text, FILE, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /^Invalid MCP config \/project\/mcp_config.json:/);
    return error.issues.map(
      (issue) =>
        `${issue.position ? `${issue.position.line}:${issue.position.column} ` : ''}${issue.path}: ${issue.message}`,
    );
  }
  assert.fail('expected a ConfigError');
}

describe('config formats', () => {
  test('the bundled mcp_config.json is valid', () => {
    const { config, warnings } = loadConfigFile(path.join(repoRoot, 'mcp_config.json'));
    assert.deepEqual([...config.servers.keys()], ['sequential-thinking']);
    assert.deepEqual(warnings, []);
  });

  test('Claude Desktop / Cursor shape with comments, trailing commas and the predecessor names', () => {
    const { config } = parseConfig(
      `{
        // comments and trailing commas are fine
        "mcpServers": { "a": { "command": "uvx", "args": ["x"], "working_dir": "sub", "timeout_seconds": 30, "restart_on_failure": false, "max_restarts": 5, }, },
      }`,
      FILE,
    );
    const server = config.servers.get('a')!;
    assert.equal(server.cwd, path.resolve('/project/sub'));
    assert.equal(server.requestTimeoutMs, 30_000);
    assert.equal(server.restartOnFailure, false);
    assert.equal(server.maxRestarts, 5);
    assert.equal(server.framing, 'auto');
    assert.equal(server.sessions.idleTimeoutMs, 1_800_000);
    assert.equal(server.authLevel, 'function');
    assert.deepEqual(server.auth, {
      method: 'none',
      caller: { type: 'function_key' },
      child: { type: 'none' },
      forwardUserToken: false,
    });
    assert.ok(
      config.adapter.maxSessions >= 10 && config.adapter.maxSessions <= 200,
      'locally, sized from the machine memory',
    );
    assert.equal(server.sessions.maxConcurrent, Number.POSITIVE_INFINITY, 'no per-server limit of its own');
  });

  test('VS Code mcp.json shape: stdio servers served, http/sse servers reported and skipped, inputs', () => {
    const loaded = parseConfig(
      JSON.stringify({
        inputs: [{ id: 'api-key', type: 'promptString', password: true }],
        servers: {
          local: { type: 'stdio', command: 'node', args: ['server.js'], env: { KEY: '${input:api-key}' } },
          implicit: { command: 'node' },
          remote: { type: 'http', url: 'https://example.com/mcp' },
          legacy: { type: 'sse', url: 'https://example.com/sse' },
        },
      }),
      FILE,
    );
    assert.deepEqual([...loaded.config.servers.keys()], ['local', 'implicit']);
    assert.deepEqual(
      loaded.config.skipped.map((s) => `${s.name}:${s.type}`),
      ['remote:http', 'legacy:sse'],
    );
    assert.deepEqual(
      loaded.warnings.map((w) => w.path),
      ['/servers/remote', '/servers/legacy'],
    );
    assert.deepEqual(
      loaded.variables.map((v) => [v.kind, v.name, v.path, v.secret]),
      [['input', 'api-key', '/servers/local/env/KEY', true]],
    );
  });

  test('a config of only remote servers is an error that says so', () => {
    assert.deepEqual(issuesOf(JSON.stringify({ servers: { r: { type: 'http', url: 'https://x' } } })), [
      '1:2 /servers: no STDIO server to serve (1 remote server(s) skipped)',
    ]);
  });

  test('the auth block: predecessor methods map onto caller and child; explicit caller/child override', () => {
    const servers = parseConfig(
      JSON.stringify({
        mcpServers: {
          mi: {
            command: 'x',
            auth: { method: 'azure_default', azure_scopes: ['https://management.azure.com/.default'] },
          },
          obo: {
            command: 'x',
            auth: {
              method: 'azure_obo',
              azure_client_id: 'app',
              azure_scopes: ['https://graph.microsoft.com/.default'],
            },
          },
          bearer: {
            command: 'x',
            auth: {
              method: 'oauth2_bearer',
              oauth2_issuer: 'https://issuer.example',
              oauth2_required_scopes: ['read'],
              forward_user_token: true,
            },
          },
          explicit: {
            command: 'x',
            auth: { caller: { type: 'entra', required_scopes: ['mcp.call'] }, child: { type: 'none' } },
          },
        },
      }),
      FILE,
    ).config.servers;
    assert.deepEqual(servers.get('mi')!.auth.child, {
      type: 'managed_identity',
      scopes: ['https://management.azure.com/.default'],
    });
    assert.equal(servers.get('mi')!.authLevel, 'function');
    assert.equal(servers.get('obo')!.auth.caller.type, 'entra');
    assert.equal(servers.get('obo')!.auth.child.type, 'on_behalf_of');
    assert.equal(servers.get('obo')!.authLevel, 'anonymous', 'the adapter verifies the token itself');
    assert.deepEqual(servers.get('bearer')!.auth.caller, {
      type: 'oauth2',
      issuer: 'https://issuer.example',
      audience: undefined,
      jwksUri: undefined,
      introspectionEndpoint: undefined,
      userinfoEndpoint: undefined,
      clientId: undefined,
      clientSecret: undefined,
      userClaim: 'sub',
      requiredScopes: ['read'],
    });
    assert.equal(servers.get('bearer')!.auth.child.type, 'user_token');
    assert.deepEqual(servers.get('explicit')!.auth.caller, {
      type: 'entra',
      tenantId: undefined,
      allowedTenants: [],
      audience: undefined,
      clientId: undefined,
      requiredScopes: ['mcp.call'],
    });
  });

  test('no combination leaves an endpoint anonymous while its child holds a credential', () => {
    assert.deepEqual(
      issuesOf(
        JSON.stringify({
          mcpServers: { a: { command: 'x', auth_level: 'anonymous', auth: { method: 'azure_default' } } },
        }),
      ),
      [
        '1:35 /mcpServers/a/auth_level: the endpoint would be anonymous while its child holds a credential (managed_identity); use auth_level "function" or a caller that verifies tokens',
      ],
    );
  });

  test('sessions.warm_pool: off by default; refused at load time where the child environment is made for each caller', () => {
    const servers = parseConfig(
      JSON.stringify({ mcpServers: { warm: { command: 'x', sessions: { warm_pool: 2 } }, cold: { command: 'x' } } }),
      FILE,
    ).config.servers;
    assert.equal(servers.get('warm')!.sessions.warmPool, 2);
    assert.equal(servers.get('cold')!.sessions.warmPool, 0);
    const callerDependent: Array<[Record<string, unknown>, RegExp]> = [
      [{ method: 'azure_default' }, /a token endpoint of its own \(azure_default\)/],
      [
        { method: 'azure_obo', azure_client_id: 'app', azure_tenant_id: 'tenant' },
        /On-Behalf-Of tokens for the caller/,
      ],
      [
        { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example', forward_user_token: true },
        /the caller's token/,
      ],
      [{ caller: { type: 'entra' }, child: { type: 'none' }, forward_user_token: true }, /the caller's token/],
    ];
    for (const [auth, why] of callerDependent) {
      const text = JSON.stringify({ mcpServers: { a: { command: 'x', auth, sessions: { warm_pool: 1 } } } }, null, 2);
      let refused: unknown;
      try {
        parseConfig(text, FILE);
      } catch (error) {
        refused = error;
      }
      assert.ok(refused instanceof ConfigError, `${JSON.stringify(auth)} must be refused`);
      assert.equal(refused.code, 'config_invalid');
      const issue = refused.issues.find((entry) => entry.path === '/mcpServers/a/sessions/warm_pool');
      assert.ok(issue, `${JSON.stringify(auth)}: ${refused.message}`);
      assert.match(issue.message, /^a warm pool spawns children before any session exists/);
      assert.match(issue.message, why);
      assert.equal(
        issue.position?.line,
        text.split('\n').findIndex((line) => line.includes('"warm_pool"')) + 1,
        'located on the warm_pool line',
      );
    }
    // A caller that is verified but gives the child nothing may have a pool.
    const verified = { caller: { type: 'entra', required_scopes: ['mcp.call'] }, child: { type: 'none' } };
    assert.equal(
      parseConfig(
        JSON.stringify({ mcpServers: { a: { command: 'x', auth: verified, sessions: { warm_pool: 1 } } } }),
        FILE,
      ).config.servers.get('a')!.sessions.warmPool,
      1,
    );
    assert.deepEqual(issuesOf(JSON.stringify({ mcpServers: { a: { command: 'x', sessions: { warm_pool: -1 } } } })), [
      '1:47 /mcpServers/a/sessions/warm_pool: must be >= 0',
    ]);
  });

  test("the predecessor's MAX_CONCURRENT_SESSIONS and SESSION_TIMEOUT_SECONDS keep working", () => {
    const { config } = parseConfig(
      JSON.stringify({
        mcpServers: { a: { command: 'x', env: { MAX_CONCURRENT_SESSIONS: '10', SESSION_TIMEOUT_SECONDS: '3600' } } },
      }),
      FILE,
      {
        hostEnv: { MAX_CONCURRENT_SESSIONS: '7' },
      },
    );
    assert.equal(config.servers.get('a')!.sessions.maxConcurrent, 10);
    assert.equal(config.servers.get('a')!.sessions.idleTimeoutMs, 3_600_000);
    assert.equal(config.adapter.maxSessions, 7, 'the app setting sets the instance cap');
    assert.deepEqual(
      issuesOf(JSON.stringify({ mcpServers: { a: { command: 'x', env: { MAX_CONCURRENT_SESSIONS: 'ten' } } } })),
      ['1:42 /mcpServers/a/env/MAX_CONCURRENT_SESSIONS: MAX_CONCURRENT_SESSIONS must be a positive number (got "ten")'],
    );
  });

  test('log levels: one for all, or per component', () => {
    assert.deepEqual(
      parseConfig('{"mcpServers":{"a":{"command":"x"}},"adapter":{"log_level":"debug"}}', FILE).config.adapter
        .logLevels,
      { default: 'debug' },
    );
    assert.deepEqual(
      parseConfig('{"mcpServers":{"a":{"command":"x"}},"adapter":{"log_level":{"auth":"debug"}}}', FILE).config.adapter
        .logLevels,
      { auth: 'debug' },
    );
  });
});

describe('variables', () => {
  const doc = (env: Record<string, string>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      inputs: [
        { id: 'region', default: 'westeurope' },
        { id: 'token', password: true },
      ],
      mcpServers: { a: { command: '${TOOL_BIN}', args: ['--dir', '${workspaceFolder}/data'], env, ...extra } },
    });

  test('env, plain, secret, input and workspaceFolder variables resolve', () => {
    const { config } = parseConfig(
      doc({ URL: '${env:API_URL}', KEY: '${secret:API_KEY}', REGION: '${input:region}', TOKEN: '${input:token}' }),
      FILE,
      {
        resolveFrom: { TOOL_BIN: 'uvx', API_URL: 'https://api', API_KEY: 'k3y', MCP_INPUT_TOKEN: 't0k' },
      },
    );
    const server = config.servers.get('a')!;
    assert.equal(server.command, 'uvx');
    assert.deepEqual(server.args, ['--dir', '/project/data']);
    assert.deepEqual(server.env, { URL: 'https://api', KEY: 'k3y', REGION: 'westeurope', TOKEN: 't0k' });
  });

  test('an unresolved variable names itself and where it is used, never a value', () => {
    const issues = issuesOf(doc({ KEY: '${secret:API_KEY}', URL: '${env:API_URL}' }), {
      resolveFrom: { TOOL_BIN: 'uvx', API_URL: 'https://not-in-errors' },
    });
    assert.deepEqual(issues, [
      '1:176 /mcpServers/a/env/KEY: unresolved variable ${secret:API_KEY}: set API_KEY in the environment or .env (when deployed: Key Vault, through the app setting API_KEY)',
    ]);
  });

  test('an input that does not exist, and a malformed variable, are errors at load time', () => {
    assert.deepEqual(issuesOf(doc({ A: '${input:nope}', B: '${not a name}' })), [
      '1:176 /mcpServers/a/env/A: ${input:nope} names no input: add {"id": "nope"} to "inputs"',
      "1:196 /mcpServers/a/env/B: malformed variable ${not a name}: a name has letters, digits and '_' and does not start with a digit",
    ]);
  });

  test('a Key Vault reference the platform did not resolve is refused with what to check', () => {
    const issues = issuesOf(doc({ KEY: '${secret:API_KEY}' }), {
      resolveFrom: {
        TOOL_BIN: 'x',
        API_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/API-KEY/)',
      },
    });
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /\$\{secret:API_KEY\} is still a Key Vault reference: .*"Key Vault Secrets User"/);
  });

  test('values come from a git-ignored .env beside the config, and a server envFile', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-dotenv-'));
    writeFileSync(path.join(dir, '.env'), 'API_KEY=from-dotenv\nTOOL_BIN=node\n');
    writeFileSync(path.join(dir, 'server.env'), 'FROM_FILE=yes\nOVERRIDDEN=file\n');
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          a: { command: '${TOOL_BIN}', envFile: 'server.env', env: { KEY: '${secret:API_KEY}', OVERRIDDEN: 'config' } },
        },
      }),
    );
    const { config } = loadConfigFile(file, { resolveFrom: { TOOL_BIN: 'python3' } });
    assert.equal(config.servers.get('a')!.command, 'python3', 'the environment wins over .env');
    assert.deepEqual(config.servers.get('a')!.env, { FROM_FILE: 'yes', OVERRIDDEN: 'config', KEY: 'from-dotenv' });
  });

  test('secrets written in plain sight are warned about', () => {
    const { warnings } = parseConfig(
      JSON.stringify({
        mcpServers: {
          a: {
            command: 'x',
            env: { MYSQL_PASSWORD: 'hunter2', API_TOKEN: '${secret:API_TOKEN}', MYSQL_HOST: 'localhost' },
            auth: { method: 'azure_obo', azure_client_secret: '${AZURE_CLIENT_SECRET}', azure_scopes: ['s'] },
          },
          b: { command: 'x', auth: { method: 'azure_obo', azure_client_secret: 'literal', azure_scopes: ['s'] } },
        },
      }),
      FILE,
    );
    assert.deepEqual(
      warnings.map((w) => `${w.path}: ${w.message}`),
      [
        '/mcpServers/a/env/MYSQL_PASSWORD: "MYSQL_PASSWORD" looks like a secret written as a literal value; use "${secret:MYSQL_PASSWORD}" and keep the value in Key Vault / .env',
        '/mcpServers/a/auth/azure_client_secret: this field holds a secret but is a plain variable, which becomes a plain app setting; use "${secret:NAME}"',
        '/mcpServers/b/auth/azure_client_secret: this field holds a secret but is a literal value; use "${secret:NAME}"',
      ],
    );
    for (const warning of warnings)
      assert.equal(warning.message.includes('hunter2') || warning.message.includes('literal"'), false);
  });
});

describe('config errors', () => {
  test('every error names the line, column, JSON path and what was expected, with the likely fix', () => {
    const text = `{
  "mcpServers": {
    "bad name!": { "command": "x" },
    "ok": {
      "comand": "typo",
      "command": 3,
      "args": "--port 8080",
      "env": { "PORT": 8080 },
      "framing": "lsp",
      "workingDir": "."
    }
  }
}`;
    assert.deepEqual(
      issuesOf(text).sort(),
      [
        `3:5 /mcpServers/bad name!: invalid name "bad name!": server names appear in URLs: letters, digits, '_', '.', '-', at most 64 characters, starting with a letter or digit`,
        '10:7 /mcpServers/ok/workingDir: unknown property "workingDir"; did you mean "working_dir"?',
        '5:7 /mcpServers/ok/comand: unknown property "comand"; did you mean "command"?',
        '6:7 /mcpServers/ok/command: must be a string (got number)',
        '7:7 /mcpServers/ok/args: must be an array of strings, not one string; write each argument separately, e.g. ["--port","8080"]',
        '8:16 /mcpServers/ok/env/PORT: environment values must be strings: write "8080" in quotes (got number)',
        '9:7 /mcpServers/ok/framing: must be one of "auto", "ndjson", "content-length"',
      ].sort(),
    );
  });

  test('missing pieces and both shapes at once', () => {
    assert.deepEqual(issuesOf('{"mcpServers": {"a": {"args": []}}}'), [
      '1:17 /mcpServers/a: missing required property "command"',
    ]);
    assert.deepEqual(issuesOf('{"adapter": {}}'), [
      '1:1 : missing "mcpServers" (or VS Code\'s "servers"): list at least one STDIO MCP server',
    ]);
    assert.deepEqual(issuesOf('{"mcpServers": {"a": {"command": "x"}}, "servers": {"b": {"command": "y"}}}'), [
      '1:41 /servers: use either "mcpServers" (Claude Desktop / Cursor) or "servers" (VS Code), not both',
    ]);
  });

  test('syntax errors give line and column and say what is wrong', () => {
    assert.deepEqual(issuesOf('{\n  "mcpServers": {\n    "a": { "command": "x" }\n  \n'), [
      "5:1 : invalid JSON: expected '}' (an object is not closed)",
    ]);
    assert.deepEqual(issuesOf('{\n  "mcpServers": {\n    "a": { command: "x" }\n  }\n}'), [
      '3:12 : invalid JSON: unexpected character (strings need double quotes)',
    ]);
  });

  test('an alias and its main field together, and a pickString input without options, are refused', () => {
    assert.deepEqual(
      issuesOf(
        JSON.stringify({
          inputs: [{ id: 'env', type: 'pickString' }],
          mcpServers: {
            a: { command: 'x', cwd: '.', working_dir: '.', timeout_seconds: 1, request_timeout_seconds: 2 },
          },
        }),
      ).sort(),
      [
        '1:107 /mcpServers/a/timeout_seconds: "timeout_seconds" is another name for "request_timeout_seconds"; give only one of them',
        '1:12 /inputs/0: the pickString input "env" needs "options" to pick from',
        '1:89 /mcpServers/a/working_dir: "working_dir" is another name for "cwd"; give only one of them',
      ],
    );
  });

  test('two defaults are refused', () => {
    assert.deepEqual(
      issuesOf(
        JSON.stringify({ mcpServers: { a: { command: 'x', default: true }, b: { command: 'y', default: true } } }),
      ),
      ['1:70 /mcpServers/b/default: only one server may be the default; "a" already is'],
    );
  });
});

describe('config discovery', () => {
  test('explicit path, then MCP_CONFIG_PATH, then well-known files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-discovery-'));
    assert.throws(
      () => discoverConfigPath({ appRoot: dir, env: {} }),
      /no config file found; looked for mcp_config.json/,
    );
    mkdirSync(path.join(dir, '.vscode'));
    writeFileSync(path.join(dir, '.vscode/mcp.json'), '{}');
    assert.throws(
      () => discoverConfigPath({ appRoot: dir, env: {} }),
      /no config file found/,
      '.vscode/mcp.json is a client config here',
    );
    writeFileSync(path.join(dir, 'mcp.json'), '{}');
    assert.equal(discoverConfigPath({ appRoot: dir, env: {} }), path.join(dir, 'mcp.json'));
    writeFileSync(path.join(dir, 'mcp_config.jsonc'), '{}');
    assert.equal(discoverConfigPath({ appRoot: dir, env: {} }), path.join(dir, 'mcp_config.jsonc'));
    writeFileSync(path.join(dir, 'mcp_config.json'), '{}');
    assert.equal(discoverConfigPath({ appRoot: dir, env: {} }), path.join(dir, 'mcp_config.json'));
    writeFileSync(path.join(dir, 'other.json'), '{}');
    assert.equal(
      discoverConfigPath({ appRoot: dir, env: { MCP_CONFIG_PATH: 'other.json' } }),
      path.join(dir, 'other.json'),
    );
    assert.equal(
      discoverConfigPath({ appRoot: dir, explicitPath: 'mcp_config.json', env: { MCP_CONFIG_PATH: 'other.json' } }),
      path.join(dir, 'mcp_config.json'),
    );
    assert.throws(
      () => discoverConfigPath({ appRoot: dir, env: { MCP_CONFIG_PATH: 'missing.json' } }),
      /missing.json[\s\S]*file not found/,
    );
  });
});
