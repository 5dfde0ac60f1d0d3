import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { discoverConfigPath, loadConfigFile, parseConfig } from '../../src/config/load-config.js';
import { repoRoot } from '../helpers/adapter.js';

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, '/project/mcp_config.json');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^Invalid MCP config \/project\/mcp_config.json:/);
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  test('the bundled mcp_config.json is valid', () => {
    const config = loadConfigFile(path.join(repoRoot, 'mcp_config.json'));
    assert.deepEqual([...config.servers.keys()], ['sequential-thinking']);
  });

  test('defaults, predecessor field names and relative cwd are normalised', () => {
    const config = parseConfig(
      `{
        // comments and trailing commas are fine
        "mcpServers": { "a": { "command": "uvx", "args": ["x"], "working_dir": "sub", "timeout_seconds": 30, "restart_on_failure": false, }, },
      }`,
      '/project/mcp_config.json',
    );
    const server = config.servers.get('a')!;
    assert.equal(server.cwd, path.resolve('/project/sub'));
    assert.equal(server.requestTimeoutMs, 30_000);
    assert.equal(server.restartOnFailure, false);
    assert.equal(server.framing, 'auto');
    assert.equal(server.sessions.idleTimeoutMs, 1_800_000);
    assert.equal(config.adapter.maxSessions, 50);
  });

  test('every error names the JSON path and what was expected', () => {
    assert.deepEqual(
      issuesOf(JSON.stringify({ mcpServers: { 'bad name!': { command: 'x' }, ok: { command: 3, args: 'x', framing: 'lsp', comand: 'typo' } } })).sort(),
      [
        '/mcpServers/bad name!: invalid name "bad name!": Server names appear in URLs: letters, digits, \'_\', \'.\', \'-\', at most 64 characters, starting with a letter or digit.',
        '/mcpServers/ok/comand: unknown property "comand" (expected one of: type, command, args, env, cwd, working_dir, framing, startup_timeout_seconds, request_timeout_seconds, timeout_seconds, restart_on_failure, max_restarts, default, sessions, auth)',
        '/mcpServers/ok/command: must be string',
        '/mcpServers/ok/args: must be array',
        '/mcpServers/ok/framing: must be one of "auto", "ndjson", "content-length"',
      ].sort(),
    );
    assert.deepEqual(issuesOf('{"mcpServers": {"a": {"args": []}}}'), ['/mcpServers/a: missing required property "command"']);
    assert.deepEqual(issuesOf('{"servers": {}}').sort(), ['/servers: unknown property "servers" (expected one of: $schema, mcpServers, adapter)', ': missing required property "mcpServers"'].sort());
  });

  test('syntax errors give line and column', () => {
    assert.deepEqual(issuesOf('{\n  "mcpServers": {\n    "a": { "command": "x" }\n  \n'), [': invalid JSON: CloseBraceExpected at line 5, column 1']);
  });

  test('two defaults and unsupported auth methods are refused, not silently served', () => {
    const issues = issuesOf(JSON.stringify({ mcpServers: { a: { command: 'x', default: true }, b: { command: 'y', default: true, auth: { method: 'azure_obo' } } } }));
    assert.equal(issues.length, 2);
    assert.match(issues[0]!, /^\/mcpServers\/b\/default: only one server may be the default; "a" already is/);
    assert.match(issues[1]!, /^\/mcpServers\/b\/auth\/method: "azure_obo" is not supported by this version/);
  });

  test('discovery: explicit path, then MCP_CONFIG_PATH, then well-known files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-discovery-'));
    assert.throws(() => discoverConfigPath({ appRoot: dir, env: {} }), /no config file found; looked for mcp_config.json/);
    mkdirSync(path.join(dir, '.vscode'));
    writeFileSync(path.join(dir, '.vscode/mcp.json'), '{}');
    assert.throws(() => discoverConfigPath({ appRoot: dir, env: {} }), /no config file found/, '.vscode/mcp.json is a client config here');
    writeFileSync(path.join(dir, 'mcp.json'), '{}');
    assert.equal(discoverConfigPath({ appRoot: dir, env: {} }), path.join(dir, 'mcp.json'));
    writeFileSync(path.join(dir, 'mcp_config.json'), '{}');
    assert.equal(discoverConfigPath({ appRoot: dir, env: {} }), path.join(dir, 'mcp_config.json'));
    writeFileSync(path.join(dir, 'other.json'), '{}');
    assert.equal(discoverConfigPath({ appRoot: dir, env: { MCP_CONFIG_PATH: 'other.json' } }), path.join(dir, 'other.json'));
    assert.equal(discoverConfigPath({ appRoot: dir, explicitPath: 'mcp_config.json', env: { MCP_CONFIG_PATH: 'other.json' } }), path.join(dir, 'mcp_config.json'));
    assert.throws(() => discoverConfigPath({ appRoot: dir, env: { MCP_CONFIG_PATH: 'missing.json' } }), /missing.json[\s\S]*file not found/);
  });
});
