import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load-config.js';
import { planDeployment } from '../../src/deployment/plan.js';

const FILE = '/project/mcp_config.json';
const load = (document: unknown) => parseConfig(JSON.stringify(document), FILE, { resolveFrom: {} });

describe('allowed_roles: a server for some roles only', () => {
  test('kept as configured (duplicates dropped) for servers whose callers present tokens', () => {
    const { config } = load({
      mcpServers: {
        tickets: {
          command: 'node',
          allowed_roles: ['MCP.Users', 'MCP.Users', 'MCP.Admins'],
          auth: { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example', oauth2_audience: 'api://x' },
        },
      },
    });
    assert.deepEqual(config.servers.get('tickets')!.allowedRoles, ['MCP.Users', 'MCP.Admins']);
  });

  test('refused for function-key callers, which carry no roles: the rule could not be enforced', () => {
    assert.throws(
      () => load({ mcpServers: { open: { command: 'node', allowed_roles: ['MCP.Users'] } } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some(
          (issue) => issue.path === '/mcpServers/open/allowed_roles' && /carry no roles/.test(issue.message),
        ),
    );
  });

  test('Entra roles named in allowed_roles are declared as app roles of the app registration', () => {
    const loaded = load({
      mcpServers: {
        mail: {
          command: 'node',
          allowed_roles: ['Mail.Senders'],
          tools: { roles: { 'Mail.Admins': { allow: ['*'] } } },
          auth: { method: 'azure_obo', azure_scopes: ['https://graph.microsoft.com/Mail.Send'] },
        },
      },
      adapter: { allow_shared_user_credentials: true },
    });
    assert.deepEqual(planDeployment(loaded).entra?.appRoles, ['Mail.Admins', 'Mail.Senders']);
  });
});
