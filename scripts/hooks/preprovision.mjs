#!/usr/bin/env node
// azd `preprovision`: validates mcp_config.json and writes the deployment plan the Bicep reads
// (infra/mcp-plan.json), so a bad config fails before anything is provisioned. Then gathers
// the values the plan needs from the azd environment (asking for missing ones when run
// interactively) and stores them with `azd env set` for main.parameters.json.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ensureBuilt, load, root } from './ensure-built.mjs';

ensureBuilt();
const { discoverConfigPath, loadConfigFile, ConfigError } = await load('index.js');
const { planDeployment, PlanError } = await load('deployment/plan.js');
const { neededValues, collectAzdValues } = await load('deployment/azd-values.js');
const { formatIssue } = await load('config/errors.js');

const azd = process.env.MCP_HOOK_AZD ?? 'azd';
let file;
let loaded;
let plan;
try {
  file = discoverConfigPath({ env: process.env, appRoot: root });
  loaded = loadConfigFile(file);
  plan = planDeployment(loaded);
} catch (error) {
  if (error instanceof ConfigError || error instanceof PlanError) {
    console.error(error.message);
    console.error('\nFix the config above and run `azd up` again; nothing was provisioned.');
    process.exit(1);
  }
  throw error;
}
for (const warning of loaded.warnings) console.warn(`warning: ${formatIssue(file, warning)}`);
const planFile = process.env.MCP_PLAN_OUT ?? path.join(root, 'infra', 'mcp-plan.json');
writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
console.log(`Deployment plan for ${path.relative(root, file)} written to ${path.relative(root, planFile)}: ${plan.servers.map((s) => s.endpoint).join(', ')}`);

const interactive = process.stdin.isTTY && process.env.AZD_NO_PROMPT !== 'true' && process.env.CI !== 'true';
const ask = interactive
  ? async (value) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`${value.secret ? '[secret] ' : ''}${value.azdEnvName}: ${value.prompt}${value.default ? ` [${value.default}]` : ''}: `);
      rl.close();
      return answer === '' ? undefined : answer;
    }
  : undefined;
const { set, missing } = await collectAzdValues(neededValues(plan, loaded.document.inputs ?? []), { env: process.env, ask });
if (missing.length > 0) {
  console.error(`These values are needed and not in the azd environment:\n${missing.map((m) => `  - ${m.azdEnvName}${m.secret ? ' (secret)' : ''}: ${m.prompt}`).join('\n')}`);
  console.error('Set each with `azd env set NAME VALUE` (or run `azd up` interactively) and try again.');
  process.exit(1);
}
for (const [name, value] of Object.entries(set)) {
  const result = spawnSync(azd, ['env', 'set', name, value], { stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`\`azd env set ${name}\` failed${result.error ? `: ${result.error.message}` : ''}.`);
    process.exit(1);
  }
}
console.log(`Stored ${Object.keys(set).length} value(s) in the azd environment (values not shown).`);
