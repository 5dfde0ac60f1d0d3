import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseJsonc } from 'jsonc-parser';
import { loadConfigFile } from '../../src/config/load-config.js';
import { planDeployment, type DeploymentPlan } from '../../src/deployment/plan.js';
import { encodeProvisionedPlan } from '../../src/deployment/provisioned-plan.js';
import { MCP_HEADERS, initializeBody, isAlive, nodeFixture, repoRoot } from '../helpers/adapter.js';
import { buildCleanPackageCopy, type CleanPackageCopy } from '../helpers/azd/package.js';
import { connectClient, textOf } from '../helpers/clients.js';
import { startFunctionsHost, type FunctionsHost } from '../helpers/functions-host/host.js';

/**
 * The path users take, end to end without Azure: the package azd would zip (built from a copy of
 * the project by the azd packaging stand-in, extracted outside the checkout), started by the
 * Functions host stand-in (worker, HTTP proxy, keys, route prefix), with exactly the app settings
 * the Bicep gives it for the config's deployment plan, and a real MCP client at the endpoints.
 */

const samplesDir = path.join(repoRoot, 'tests/fixtures/configs/samples');
const SAMPLES = ['azure_default', 'azure_obo', 'none', 'oauth2_bearer', 'vscode-mcp'];

/** What infra/app/app-settings.bicep sets besides the plan's own settings (RUNTIME_APP_SETTINGS, setBy 'bicep'), but for the app's role: no storage account here, so one instance with no shared store or serving lease. */
function infrastructureSettings(plan: DeploymentPlan): Record<string, string> {
  return {
    MCP_ADAPTER_IDENTITY_CLIENT_ID: randomUUID(),
    MCP_ADAPTER_TENANT_ID: randomUUID(),
    MCP_ADAPTER_SESSION_KEY: randomBytes(48).toString('base64url'),
    MCP_ADAPTER_PROVISIONED_PLAN: encodeProvisionedPlan(plan),
    // No storage account here: one instance, no shared session store.
    MCP_ADAPTER_SINGLE_INSTANCE: 'true',
    ...(plan.entra
      ? { MCP_ADAPTER_OBO_CLIENT_ID: randomUUID(), MCP_ADAPTER_OBO_IDENTIFIER_URI: `api://mcp-test-${randomUUID()}` }
      : {}),
  };
}

/** The plan's settings with stand-in values: azd environment values and Key Vault secrets as the platform resolves them. */
function planSettings(plan: DeploymentPlan): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const setting of plan.appSettings) {
    if (setting.source === 'fixed') settings[setting.name] = setting.value;
    else if (setting.source === 'azd_env') settings[setting.name] = `value of ${setting.azdEnvName}`;
    else settings[setting.name] = `secret ${setting.secretName}`;
  }
  return settings;
}

const sha = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

describe('the deployment package, started by the Functions host stand-in', () => {
  let built: CleanPackageCopy;
  const hosts: FunctionsHost[] = [];
  const childPids: number[] = [];

  before(() => {
    built = buildCleanPackageCopy();
  });
  after(async () => {
    for (const host of hosts) await host.close();
    rmSync(built.projectCopy, { recursive: true, force: true });
    for (const pid of childPids) assert.equal(isAlive(pid), false, `child ${pid} outlived the host`);
  });

  test('the bundled config: the real client lists and calls its tool with the function key and ends its session; no key, 401', async () => {
    const loaded = loadConfigFile(path.join(built.appRoot, 'mcp_config.json'));
    const plan = planDeployment(loaded);
    const host = await startFunctionsHost({
      appDir: built.appRoot,
      env: { ...planSettings(plan), ...infrastructureSettings(plan) },
    });
    hosts.push(host);
    assert.deepEqual(
      host.functions.map((fn) => `${fn.name} ${fn.route} ${fn.authLevel}`),
      [
        'mcp-sequential-thinking mcp/sequential-thinking function',
        'mcp-default mcp function',
        'mcp-default-legacy api/mcp function',
        'health health anonymous',
        'status status function',
        'page {*path} anonymous',
      ],
    );
    const endpoint = new URL(`mcp/sequential-thinking?code=${host.functionKey}`, host.url);
    const client = await connectClient('v2', endpoint);
    assert.deepEqual(await client.listTools(), ['sequentialthinking']);
    const result = await client.callTool('sequentialthinking', {
      thought: 'Check the package.',
      nextThoughtNeeded: false,
      thoughtNumber: 1,
      totalThoughts: 1,
    });
    assert.equal(result.isError ?? false, false, textOf(result));
    assert.equal((JSON.parse(textOf(result)) as { thoughtNumber: number }).thoughtNumber, 1);
    // DELETE through the host ends the session and its child.
    await client.terminate();
    await client.close();
    const invoked = host.invocations.length;
    const refused = await fetch(new URL('mcp/sequential-thinking', host.url), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody(),
    });
    // Without the function key the host refuses it (its own empty 401) before the app is invoked.
    assert.equal(refused.status, 401);
    assert.equal(await refused.text(), '');
    assert.equal(host.invocations.length, invoked, 'the app was not invoked');
    const health = await fetch(new URL('health', host.url));
    assert.deepEqual(await health.json(), { status: 'ok', sessions: 0, childrenAlive: 0 });
  });

  test('a config deployed without provisioning what it added: the new server is refused alone, /status names what is missing and what was not provisioned', async () => {
    const appDir = sampleApp('none');
    const document = JSON.parse(readFileSync(path.join(appDir, 'mcp_config.json'), 'utf8')) as {
      mcpServers: Record<string, unknown>;
    };
    // What was provisioned: the same config before `code-search` was added.
    const before = { ...document, mcpServers: { time: document.mcpServers.time } };
    writeFileSync(path.join(appDir, 'provisioned.json'), JSON.stringify(before));
    const provisioned = planDeployment(loadConfigFile(path.join(appDir, 'provisioned.json')));
    rmSync(path.join(appDir, 'provisioned.json'));
    const host = await startFunctionsHost({
      appDir,
      env: { ...planSettings(provisioned), ...infrastructureSettings(provisioned) },
    });
    hosts.push(host);

    const client = await connectClient('v2', new URL(`mcp/time?code=${host.functionKey}`, host.url));
    assert.ok((await client.listTools()).includes('echo'));
    await client.terminate();
    await client.close();
    const refused = await fetch(new URL(`mcp/code-search?code=${host.functionKey}`, host.url), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody(),
    });
    assert.equal(refused.status, 503);
    assert.match(
      ((await refused.json()) as { error: { message: string } }).error.message,
      /"code-search" is not served by this deployment/,
    );

    const status = (await (await fetch(new URL(`status?code=${host.functionKey}`, host.url))).json()) as {
      unavailable: Record<string, { missing: string[] }>;
      notProvisioned: string[];
    };
    const missing = status.unavailable['code-search']!.missing.join('\n');
    for (const name of ['SEARCH_ENDPOINT', 'GITHUB_TOKEN', 'MCP_INPUT_SEARCH_API_KEY'])
      assert.match(missing, new RegExp(name));
    assert.ok(
      status.notProvisioned.some((line) => /GITHUB_TOKEN/.test(line) && /not provisioned/.test(line)),
      status.notProvisioned.join('\n'),
    );
    // Anonymous: which server, never why.
    const health = await fetch(new URL('health', host.url));
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), {
      status: 'degraded',
      sessions: 0,
      childrenAlive: 0,
      unavailableServers: ['code-search'],
    });
    assert.ok(
      host.logs.some(
        (line) =>
          line.includes('server \\"code-search\\" is not served') ||
          line.includes('server "code-search" is not served'),
      ),
      'the start-up log names it',
    );
  });

  /** A copy of the built package serving a sample config, its servers swapped for the Node fixture. */
  function sampleApp(sample: string): string {
    // The sample's servers come from npm and PyPI, out of reach here: each runs the Node fixture
    // server instead (copied into the package as a file the config names), with the sample's
    // own env, auth, inputs and deployment settings.
    const appDir = mkdtempSync(path.join(tmpdir(), `mcp-package-${sample}-`));
    cpSync(built.appRoot, appDir, { recursive: true });
    mkdirSync(path.join(appDir, 'servers'), { recursive: true });
    cpSync(nodeFixture, path.join(appDir, 'servers', 'node-fixture.mjs'));
    const document = parseJsonc(readFileSync(path.join(samplesDir, `${sample}.json`), 'utf8')) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    delete (document as Record<string, unknown>).$schema;
    for (const server of Object.values(document.mcpServers ?? document.servers!)) {
      if (server.command === undefined) continue; // a remote server: reported and skipped
      server.command = 'node';
      server.args = ['servers/node-fixture.mjs'];
    }
    writeFileSync(path.join(appDir, 'mcp_config.json'), JSON.stringify(document, null, 2));
    return appDir;
  }

  for (const sample of SAMPLES) {
    test(`sample ${sample}: every endpoint of the plan answers as its auth says, with exactly the settings the plan provisions`, async () => {
      const appDir = sampleApp(sample);
      const document = JSON.parse(readFileSync(path.join(appDir, 'mcp_config.json'), 'utf8')) as Record<
        string,
        Record<string, Record<string, unknown>>
      >;
      const serversKey = document.mcpServers ? 'mcpServers' : 'servers';
      const loaded = loadConfigFile(path.join(appDir, 'mcp_config.json'));
      const plan = planDeployment(loaded);
      const settings = planSettings(plan);
      const host = await startFunctionsHost({ appDir, env: { ...settings, ...infrastructureSettings(plan) } });
      hosts.push(host);

      const statusResponse = await fetch(new URL(`status?code=${host.functionKey}`, host.url));
      if (plan.servers.some((server) => server.caller === 'entra' || server.caller === 'oauth2')) {
        // /status is as protected as the strictest server: a function key is not enough where servers
        // verify user tokens. /health (anonymous) still says whether a server is unavailable.
        assert.equal(statusResponse.status, 401, '/status needs a token a server accepts');
        await statusResponse.text();
        const health = (await (await fetch(new URL('health', host.url))).json()) as {
          status: string;
          unavailableServers?: string[];
        };
        assert.equal(health.unavailableServers, undefined, `the plan's settings leave no server unavailable`);
      } else {
        const status = (await statusResponse.json()) as {
          unavailable?: unknown;
          notProvisioned?: unknown;
          servers: Record<string, unknown>;
        };
        assert.equal(
          status.unavailable,
          undefined,
          `the plan's settings leave no server unavailable: ${JSON.stringify(status.unavailable)}`,
        );
        assert.equal(
          status.notProvisioned,
          undefined,
          `the recorded plan is the config's: ${JSON.stringify(status.notProvisioned)}`,
        );
        assert.deepEqual(Object.keys(status.servers).sort(), plan.servers.map((server) => server.name).sort());
      }

      for (const server of plan.servers) {
        const endpoint = new URL(server.endpoint.slice(1), host.url);
        if (server.caller === 'function_key') {
          endpoint.searchParams.set('code', host.functionKey);
          const client = await connectClient('v2', endpoint);
          assert.ok((await client.listTools()).includes('echo'));
          // Each setting the server reads arrives in its child, resolved (Key Vault references included).
          const report = JSON.parse(textOf(await client.callTool('env_report'))) as Record<string, string>;
          childPids.push((JSON.parse(textOf(await client.callTool('whoami'))) as { pid: number }).pid);
          const envOfServer = (document[serversKey]![server.name]!.env ?? {}) as Record<string, string>;
          for (const [name, written] of Object.entries(envOfServer)) {
            const expected = written.replace(
              /\$\{(?:(env|secret|input):)?([^}]+)\}/g,
              (text, kind: string | undefined, variable: string) => {
                if (variable === 'workspaceFolder') return appDir;
                const setting =
                  kind === 'input' ? `MCP_INPUT_${variable.toUpperCase().replace(/[^A-Z0-9]/g, '_')}` : variable;
                return (
                  settings[setting] ?? loaded.document.inputs?.find((input) => input.id === variable)?.default ?? text
                );
              },
            );
            assert.equal(report[name], sha(expected), `${server.name}: ${name}`);
          }
          // A streamed (SSE) answer through the worker's HTTP proxy: progress before the result.
          const progress: number[] = [];
          const done = await client.callTool('progress', { steps: 3, delayMs: 50 }, (update) =>
            progress.push(update.progress),
          );
          assert.equal(textOf(done), 'done 3');
          assert.deepEqual(progress, [1, 2, 3]);
          await client.close();
        } else {
          const challenge = await fetch(endpoint, { method: 'POST', headers: MCP_HEADERS, body: initializeBody() });
          assert.equal(challenge.status, 401, `${server.name} without a token`);
          const header = challenge.headers.get('www-authenticate') ?? '';
          assert.deepEqual(await challenge.json(), {
            error: { code: 'authentication_required', message: 'Missing or invalid Authorization header' },
          });
          assert.match(header, /^Bearer (scope="[^"]+", )?resource_metadata="[^"]+"$/, `${server.name}: ${header}`);
          const metadataUrl = /resource_metadata="([^"]+)"/.exec(header)?.[1];
          assert.ok(metadataUrl, header);
          // The metadata is anonymous; fetched from this host (a public_base_url names another).
          const metadata = await fetch(
            new URL(new URL(metadataUrl).pathname.replace(/^\/mcp-tools/, '').slice(1), host.url),
          );
          assert.equal(metadata.status, 200);
          const body = (await metadata.json()) as { resource: string; scopes_supported: string[] };
          assert.ok(body.resource.endsWith(server.endpoint), body.resource);
        }
      }
    });
  }
});
