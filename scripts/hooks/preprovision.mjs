#!/usr/bin/env node
// azd `preprovision`: validates the MCP config and writes the deployment plan the Bicep reads
// (infra/mcp-plan.json), so a bad config fails before anything is provisioned. Then gathers the
// values the plan needs and stores them, with the caller scopes the config no longer has, in the
// azd environment for main.parameters.json:
//   MCP_SETTING_VALUES, MCP_SECRET_VALUES  base64 JSON objects keyed by variable name
//   MCP_RETIRED_CALLER_SCOPES              JSON array (scopes to keep, disabled, for one provision)
//   MCP_STATELESS_APP_ENABLED              true | false: whether the plan has the api-stateless app
//                                          (that service's `condition` in azure.yaml)
// Each value comes from its own variable (`azd env set GITHUB_TOKEN ...`), else from the combined
// variable the pipeline passes, else from an answer (terminal, not --no-prompt), else the input's
// default. The session key is azd's (a generated Bicep parameter), not this hook's.
//
// Imports only Node built-ins and ./lib/hook-tools.mjs: azd may be writing node_modules/ and
// dist/ while this runs. Exit code 1 (with the reason) stops the provision.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  askOnTerminal,
  AzdValuesError,
  collectAzdValues,
  ConfigError,
  decodeProvisionedPlan,
  formatIssue,
  howToSet,
  loadPlan,
  neededValues,
  noPromptMode,
  PlanError,
  PROVISIONED_PLAN_VAR,
  RETIRED_APP_ROLES_VAR,
  RETIRED_CALLER_SCOPES_VAR,
  retiredAppRoles,
  retiredCallerScopes,
  SECRET_VALUES_VAR,
  SETTING_VALUES_VAR,
  STATELESS_APP_ENABLED_VAR,
  statelessAppEnabled,
  storeInAzdEnv,
} from './lib/hook-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;

let file;
let loaded;
let plan;
try {
  ({ file, loaded, plan } = loadPlan(root, env));
} catch (error) {
  if (error instanceof ConfigError || error instanceof PlanError) {
    console.error(error.message);
    console.error('\nFix the config above and run `azd up` (or `azd provision`) again; nothing was provisioned.');
    process.exit(1);
  }
  throw error;
}
for (const warning of loaded.warnings) console.warn(`warning: ${formatIssue(file, warning)}`);
const planFile = env.MCP_PLAN_OUT ?? path.join(root, 'infra', 'mcp-plan.json');
writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
console.log(
  `Deployment plan for ${path.relative(root, file)} written to ${path.relative(root, planFile)}: ${plan.apps
    .map(
      (app) =>
        `app ${app.service} (${app.role}): ${plan.servers
          .filter((s) => s.app === app.service)
          .map((s) => s.endpoint)
          .join(', ')}`,
    )
    .join('; ')}`,
);

// Caller scopes and app roles the last provision created that the config no longer names.
let retired = [];
let retiredRoles = [];
if (env[PROVISIONED_PLAN_VAR]) {
  try {
    const provisioned = decodeProvisionedPlan(env[PROVISIONED_PLAN_VAR]);
    retired = retiredCallerScopes(provisioned, plan);
    retiredRoles = retiredAppRoles(provisioned, plan);
  } catch (error) {
    console.warn(`warning: ${error.message}; no caller scope or app role is retired.`);
  }
}
if (retired.length > 0)
  console.log(
    `Caller scopes no longer in the config, disabled on the app registration by this provision: ${retired.join(', ')}`,
  );
if (retiredRoles.length > 0)
  console.log(
    `App roles no longer in the config, disabled on the app registration by this provision: ${retiredRoles.join(', ')}`,
  );

const canAsk = Boolean(process.stdin.isTTY) && !noPromptMode(env);
let collected;
try {
  collected = await collectAzdValues(neededValues(plan, loaded.document.inputs ?? []), {
    env,
    ask: canAsk ? (value) => askOnTerminal(value) : undefined,
  });
} catch (error) {
  if (!(error instanceof AzdValuesError)) throw error;
  console.error(error.message);
  process.exit(1);
}
if (collected.missing.length > 0) {
  console.error(
    `These values are needed and not in the azd environment${canAsk ? '' : ' (and nobody can be asked: no terminal, or no-prompt mode)'}:`,
  );
  for (const value of collected.missing)
    console.error(
      `  - ${value.azdEnvName}${value.secret ? ' (secret)' : ''}: ${value.prompt}\n      ${howToSet(value)}`,
    );
  console.error(
    `Set each with the command shown (or run \`azd provision\` in a terminal to be asked), then try again. In CI, the pipeline passes them as ${SETTING_VALUES_VAR} / ${SECRET_VALUES_VAR} (\`azd pipeline config\` copies them from your azd environment).`,
  );
  process.exit(1);
}

try {
  // Writes only what changed (see storeInAzdEnv): CI's secrets never land in .azure/<env>/.env.
  storeInAzdEnv(
    {
      ...collected.set,
      [RETIRED_CALLER_SCOPES_VAR]: JSON.stringify(retired),
      [RETIRED_APP_ROLES_VAR]: JSON.stringify(retiredRoles),
      [STATELESS_APP_ENABLED_VAR]: statelessAppEnabled(plan),
    },
    { cwd: root, env, azd: env.MCP_HOOK_AZD },
  );
} catch (error) {
  if (!(error instanceof AzdValuesError)) throw error;
  console.error(`Could not store the values in the azd environment: ${error.message}`);
  process.exit(1);
}
const counts = {};
for (const source of Object.values(collected.sources)) counts[source] = (counts[source] ?? 0) + 1;
console.log(
  `Stored ${Object.keys(collected.sources).length} value(s) in the azd environment as ${SETTING_VALUES_VAR} / ${SECRET_VALUES_VAR}${
    Object.keys(counts).length
      ? ` (${Object.entries(counts)
          .map(
            ([source, n]) =>
              `${n} from ${source === 'variable' ? 'their own variables' : source === 'combined' ? 'the combined variables' : source === 'answer' ? 'answers' : 'defaults'}`,
          )
          .join(', ')})`
      : ''
  }; values not shown.`,
);
