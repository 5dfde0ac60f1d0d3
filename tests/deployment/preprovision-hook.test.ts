import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { DeploymentPlan } from '../../src/deployment/plan.js';
import { decodeValues } from '../../src/deployment/azd-values.js';
import { repoRoot } from '../helpers/adapter.js';

const samples = path.join(repoRoot, 'tests/fixtures/configs/samples');

/**
 * The azd `preprovision` hook as azd runs it: a real process with azd-like environment
 * variables, and a stand-in `azd` on PATH that records `azd env set` calls.
 */
describe('preprovision hook', () => {
  let fakeBin: string;

  before(() => {
    const build = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(repoRoot, 'tsconfig.json')], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    fakeBin = mkdtempSync(path.join(tmpdir(), 'fake-azd-'));
    const azd = path.join(fakeBin, 'azd');
    writeFileSync(azd, `#!${process.execPath}\nrequire('node:fs').appendFileSync(process.env.AZD_FAKE_LOG, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
    chmodSync(azd, 0o755);
  });

  function runHook(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; azdCalls: string[][]; plan?: DeploymentPlan }> {
    const work = mkdtempSync(path.join(tmpdir(), 'preprovision-'));
    const log = path.join(work, 'azd.log');
    const planOut = path.join(work, 'mcp-plan.json');
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/hooks/preprovision.mjs')], {
        cwd: repoRoot,
        env: { PATH: `${fakeBin}${path.delimiter}${process.env.PATH}`, AZD_FAKE_LOG: log, MCP_PLAN_OUT: planOut, MCP_HOOK_SKIP_BUILD: '1', AZURE_ENV_NAME: 'test-env', AZURE_LOCATION: 'westeurope', AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000', CI: 'true', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) =>
        resolve({
          code,
          stdout,
          stderr,
          azdCalls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]) : [],
          plan: existsSync(planOut) ? (JSON.parse(readFileSync(planOut, 'utf8')) as DeploymentPlan) : undefined,
        }),
      );
    });
  }

  for (const sample of ['none', 'azure_default', 'azure_obo', 'oauth2_bearer']) {
    test(`${sample}: writes the plan and stores the values the plan needs, secrets apart from settings`, async () => {
      const golden = JSON.parse(readFileSync(path.join(samples, `${sample}.plan.json`), 'utf8')) as DeploymentPlan;
      const values: Record<string, string> = {};
      for (const setting of golden.appSettings) if (setting.source === 'azd_env') values[setting.azdEnvName] = `value-of-${setting.azdEnvName}`;
      for (const secret of golden.secrets) values[secret.azdEnvName] = `secret-${secret.azdEnvName}`;
      const run = await runHook({ MCP_CONFIG_PATH: path.join(samples, `${sample}.json`), ...values });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.plan, golden);
      const set = Object.fromEntries(run.azdCalls.map(([verb, sub, name, value]) => (assert.deepEqual([verb, sub], ['env', 'set']), [name!, value!])));
      const settings = decodeValues(set.MCP_SETTING_VALUES!);
      const secrets = decodeValues(set.MCP_SECRET_VALUES!);
      assert.deepEqual(Object.keys(settings).sort(), golden.appSettings.filter((s) => s.source === 'azd_env').map((s) => (s as { azdEnvName: string }).azdEnvName).sort());
      assert.deepEqual(Object.keys(secrets).sort(), golden.secrets.map((s) => s.azdEnvName).sort());
      for (const value of Object.values(secrets)) assert.match(value, /^secret-/);
      for (const value of Object.values(settings)) assert.match(value, /^value-of-/);
      assert.match(set.MCP_ADAPTER_SESSION_KEY!, /^[A-Za-z0-9_-]{43}$/, 'a fresh 256-bit session key');
      assert.equal(`${run.stdout}${run.stderr}`.includes('secret-'), false, 'secret values are never printed');
    });
  }

  test('the session key is created once per environment, then kept', async () => {
    const run = await runHook({ MCP_CONFIG_PATH: path.join(repoRoot, 'mcp_config.json'), MCP_ADAPTER_SESSION_KEY: 'existing-key' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.azdCalls.map((call) => call[2]).sort(), ['MCP_SECRET_VALUES', 'MCP_SETTING_VALUES']);
  });

  test('values missing from the azd environment, with nobody to ask, stop it with their names', async () => {
    const run = await runHook({ MCP_CONFIG_PATH: path.join(samples, 'none.json') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /These values are needed and not in the azd environment:/);
    assert.match(run.stderr, /GITHUB_TOKEN \(secret\)/);
    assert.match(run.stderr, /azd env set NAME VALUE/);
    assert.deepEqual(run.azdCalls, []);
  });

  test('a bad config fails before anything is provisioned', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bad-config-'));
    writeFileSync(path.join(dir, 'mcp_config.json'), '{"mcpServers": {"a": {"comand": "x"}}}');
    const run = await runHook({ MCP_CONFIG_PATH: path.join(dir, 'mcp_config.json') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown property "comand"; did you mean "command"\?/);
    assert.match(run.stderr, /nothing was provisioned/);
    assert.equal(run.plan, undefined);
  });
});
