#!/usr/bin/env node
// azd `predeploy`: the redeploy rule. Compares what the config needs from the infrastructure
// (its deployment plan) with what the last provision recorded (MCP_PROVISIONED_PLAN, an output of
// infra/main.bicep that azd keeps in the environment). An edit the infrastructure must follow
// (settings, secrets, roles, identity, Entra app, scale) stops the deploy (exit 1) with each
// change and `azd provision`; any other edit deploys as is (exit 0). Without a recorded plan the
// infrastructure is unknown: exit 1.
//
// Imports only Node built-ins and ./lib/hook-tools.mjs (azd may be building the app meanwhile).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  decodeProvisionedPlan,
  infrastructureChanges,
  loadPlan,
  PlanError,
  PROVISIONED_PLAN_VAR,
  provisionedProjection,
} from './lib/hook-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;

let file;
let plan;
try {
  ({ file, plan } = loadPlan(root, env));
} catch (error) {
  if (error instanceof ConfigError || error instanceof PlanError) {
    console.error(error.message);
    console.error('\nFix the config above and deploy again; nothing was deployed.');
    process.exit(1);
  }
  throw error;
}
const config = path.relative(root, file);

const recorded = env[PROVISIONED_PLAN_VAR];
if (!recorded) {
  console.error(
    `The azd environment has no ${PROVISIONED_PLAN_VAR}, so what the infrastructure holds is unknown and ${config} cannot be checked against it; nothing was deployed.\n` +
      `Run \`azd provision\` (or \`azd up\`): it provisions and records ${PROVISIONED_PLAN_VAR}. For an environment provisioned elsewhere (another machine, CI), \`azd env refresh\` reads it from the last deployment.`,
  );
  process.exit(1);
}
let provisioned;
try {
  provisioned = decodeProvisionedPlan(recorded);
} catch (error) {
  console.error(
    `${error.message}\nRun \`azd provision\` (or \`azd env refresh\`) to record it again; nothing was deployed.`,
  );
  process.exit(1);
}

const changes = infrastructureChanges(provisioned, provisionedProjection(plan));
if (changes.length > 0) {
  console.error(`${config} needs infrastructure that is not provisioned:`);
  for (const change of changes) console.error(`  - ${change}`);
  console.error('Run `azd provision` (or `azd up`) to update the infrastructure, then deploy; nothing was deployed.');
  process.exit(1);
}
console.log(`The infrastructure is current for ${config}; deploying the app.`);
