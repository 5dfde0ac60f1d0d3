#!/usr/bin/env node
// azd `preup`: stores MCP_STATELESS_APP_ENABLED (`true` when the config's plan has a second app,
// for the servers declared stateless; else `false`) in the azd environment. It is the `condition`
// of azure.yaml's `api-stateless` service, and azd 1.25+ reads every service's condition once,
// when `azd up` starts and before any other hook (cli/azd/internal/cmd/up_graph.go
// initializeServices): without this hook the first `azd up` of a config with both kinds of server
// would skip the second app. The preprovision hook and the provision's outputs set the same value
// for `azd provision` + `azd deploy`. A config that does not plan fails here, as in preprovision.
//
// Imports only Node built-ins and ./lib/hook-tools.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AzdValuesError,
  ConfigError,
  loadPlan,
  PlanError,
  STATELESS_APP_ENABLED_VAR,
  statelessAppEnabled,
  storeInAzdEnv,
} from './lib/hook-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;

let plan;
try {
  ({ plan } = loadPlan(root, env));
} catch (error) {
  if (error instanceof ConfigError || error instanceof PlanError) {
    console.error(error.message);
    console.error('\nFix the config above and run `azd up` again; nothing was provisioned or deployed.');
    process.exit(1);
  }
  throw error;
}
const enabled = statelessAppEnabled(plan);
try {
  storeInAzdEnv({ [STATELESS_APP_ENABLED_VAR]: enabled }, { cwd: root, env, azd: env.MCP_HOOK_AZD });
} catch (error) {
  if (!(error instanceof AzdValuesError)) throw error;
  console.error(`Could not store ${STATELESS_APP_ENABLED_VAR} in the azd environment: ${error.message}`);
  process.exit(1);
}
console.log(
  plan.apps
    .map((app) => `app ${app.service} (${app.role}): ${app.servers.join(', ')}`)
    .join('; ')
    .concat(`; ${STATELESS_APP_ENABLED_VAR}=${enabled}`),
);
