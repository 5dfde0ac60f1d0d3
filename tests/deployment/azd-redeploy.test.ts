import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  assertNothingRunning,
  cleanEnv,
  copyProject,
  recordedDeployments,
  removeProject,
  runAzd,
} from '../helpers/azd/project-copy.js';

/**
 * Edit and redeploy (issue 12 item 5) with the stand-in azd: after a provisioned `up`, an edit
 * that needs infrastructure stops `azd deploy` (predeploy hook) until `azd provision` records the
 * new plan; other edits deploy as is.
 */
const projects: string[] = [];
after(() => projects.forEach(removeProject));

function setup() {
  const project = copyProject();
  projects.push(project);
  const env = cleanEnv({
    AZURE_ENV_NAME: 'dev',
    AZURE_LOCATION: 'westeurope',
    AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
    AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config'),
  });
  return { project, env };
}

function editConfig(project: string, edit: (config: { mcpServers: Record<string, any> }) => void): void {
  const file = path.join(project, 'mcp_config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  edit(config);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

const deployments = (project: string) =>
  recordedDeployments<{ parameters: Record<string, unknown>; plan: { secrets: unknown[] } }>(project);

describe('edit and redeploy (stand-in azd)', () => {
  test('a new secret stops `azd deploy` naming the change and `azd provision`; after `azd provision` the deploy passes; an args-only edit deploys as is', async () => {
    const { project, env } = setup();
    const upRun = await runAzd(project, ['up', '--no-prompt'], env);
    assert.equal(upRun.code, 0, upRun.output);

    editConfig(project, (c) => {
      c.mcpServers['sequential-thinking'].env.NEW_TOKEN = '${secret:NEW_TOKEN}';
    });
    const stopped = await runAzd(project, ['deploy', '--no-prompt'], { ...env, NEW_TOKEN: 'tok' });
    assert.equal(stopped.code, 1, stopped.output);
    assert.match(stopped.output, /NEW_TOKEN/);
    assert.match(stopped.output, /azd provision/);
    assert.match(stopped.stderr, /'predeploy' hook failed/);
    assertNothingRunning(project);

    const provision = await runAzd(project, ['provision', '--no-prompt'], { ...env, NEW_TOKEN: 'tok' });
    assert.equal(provision.code, 0, provision.output);
    assert.equal(deployments(project).at(-1)!.plan.secrets.length, 1, 'the new plan was provisioned');
    const deploy = await runAzd(project, ['deploy', '--no-prompt'], env);
    assert.equal(deploy.code, 0, deploy.output);

    editConfig(project, (c) => {
      c.mcpServers['sequential-thinking'].args.push('--verbose');
    });
    const argsOnly = await runAzd(project, ['deploy', '--no-prompt'], env);
    assert.equal(argsOnly.code, 0, argsOnly.output);
    assertNothingRunning(project);
  });
});
