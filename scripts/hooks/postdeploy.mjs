#!/usr/bin/env node
// azd `postdeploy`: smoke-tests every deployed endpoint (initialize, list tools, call one) on the
// app that serves it (MCP_APPS: one app, or the stateful `api` and the stateless `api-stateless`),
// with that app's own function key (read through Azure Resource Manager, retried while the new
// host starts), and prints each app with its role and endpoints. It only reports: a failure is a
// warning with its reason and the command to re-run the test (`npm run smoke -- <endpoint> --key
// <key>`), never a failed deploy (exit code 0 always). It runs after azd has built the app, so it
// may import dist/.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadPlan } from './lib/hook-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const warn = (message) => console.warn(`warning: ${message}`);

async function main() {
  const env = {
    subscriptionId: process.env.AZURE_SUBSCRIPTION_ID,
    resourceGroup: process.env.AZURE_RESOURCE_GROUP,
    apps: process.env.MCP_APPS,
  };
  const missing = Object.entries({
    AZURE_SUBSCRIPTION_ID: env.subscriptionId,
    AZURE_RESOURCE_GROUP: env.resourceGroup,
    MCP_APPS: env.apps,
  })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    warn(
      `no smoke test: the azd environment lacks ${missing.join(', ')} (outputs of infra/main.bicep; \`azd env refresh\` reads them). Test an endpoint by hand with: npm run smoke -- <endpoint url> --key <function key>`,
    );
    return;
  }
  let plan;
  try {
    ({ plan } = loadPlan(root, process.env));
  } catch (error) {
    warn(`no smoke test: the config cannot be read (${error.message.split('\n')[0]})`);
    return;
  }
  const { smokeDeployment, fetchFunctionKey, describePostdeploy, smokeCommand, parseDeployedApps, appOf, endpointOf } =
    await import(pathToFileURL(path.join(root, 'dist', 'deployment', 'postdeploy.js')).href).catch((error) => {
      warn(
        `no smoke test: the built app is not loadable (${error.message}); run \`npm run build\`, then for each endpoint: ${smokeCommand0(env)}`,
      );
      return {};
    });
  if (!smokeDeployment) return;
  let deployed;
  try {
    deployed = {
      subscriptionId: env.subscriptionId,
      resourceGroup: env.resourceGroup,
      apps: parseDeployedApps(env.apps),
    };
  } catch (error) {
    warn(
      `no smoke test: ${error.message}; \`azd env refresh\` reads it again. Test an endpoint by hand with: ${smokeCommand0(env)}`,
    );
    return;
  }
  try {
    const result = await smokeDeployment(plan, deployed, (app) =>
      fetchFunctionKey({ ...deployed, functionAppName: app.name }),
    );
    const { lines, warnings } = describePostdeploy(plan, deployed, result);
    for (const line of lines) console.log(line);
    for (const warning of warnings) console.warn(warning);
  } catch (error) {
    const commands = plan.servers.map((server) => {
      const app = appOf(server, deployed.apps);
      return app
        ? `  ${smokeCommand(endpointOf(server, app), { resourceGroup: deployed.resourceGroup, functionAppName: app.name }, server.authLevel !== 'anonymous')}`
        : `  ${server.name}: no deployed app serves it`;
    });
    warn(
      `the smoke test could not run (${error.message}). The deployment itself succeeded. Re-run it with:\n${commands.join('\n')}`,
    );
  }
  console.log(
    '\nConnect a client: see docs/authentication.md, "Clients, per method" (an endpoint needs its function key in the x-functions-key header, or a token). Each app has its own host name and keys.',
  );
}

function smokeCommand0(env) {
  return `npm run smoke -- <app url>/mcp/<server> --key "$(az functionapp keys list --resource-group ${env.resourceGroup} --name <app name> --query functionKeys.default --output tsv)" (apps: azd env get-value MCP_APPS)`;
}

try {
  await main();
} catch (error) {
  warn(
    `postdeploy failed (${error?.message ?? error}); the deployment itself succeeded. Test an endpoint with: npm run smoke -- <endpoint url> --key <function key>`,
  );
}
process.exit(0);
