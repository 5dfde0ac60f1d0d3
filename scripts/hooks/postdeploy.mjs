#!/usr/bin/env node
// azd `postdeploy`: smoke-tests every deployed endpoint (initialize, list tools, call one) with
// the app's function key, and prints the endpoints. Run the same by hand: npm run smoke -- <url>.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load, root } from './ensure-built.mjs';

const { smokeDeployment, fetchFunctionKey } = await load('deployment/postdeploy.js');
const env = {
  subscriptionId: process.env.AZURE_SUBSCRIPTION_ID,
  resourceGroup: process.env.AZURE_RESOURCE_GROUP,
  functionAppName: process.env.AZURE_FUNCTION_APP_NAME,
  baseUrl: process.env.MCP_BASE_URL ?? process.env.SERVICE_API_ENDPOINT_URL,
};
const missing = Object.entries(env).filter(([, value]) => !value).map(([name]) => name);
if (missing.length > 0) {
  console.error(`postdeploy: the azd environment lacks ${missing.join(', ')} (outputs of infra/main.bicep); run \`azd provision\` first.`);
  process.exit(1);
}
const plan = JSON.parse(readFileSync(process.env.MCP_PLAN_OUT ?? path.join(root, 'infra', 'mcp-plan.json'), 'utf8'));
const { reports, skipped } = await smokeDeployment(plan, env, () => fetchFunctionKey(env));
for (const report of reports) {
  console.log(`${report.ok ? 'ok  ' : 'FAIL'} ${report.endpoint}  ${report.ok ? `${report.server ?? ''} tools: ${report.tools?.length ?? 0}${report.called ? `, called ${report.called.tool}` : ''} (${report.durationMs} ms)` : report.error}`);
}
for (const skip of skipped) console.log(`skip ${skip.endpoint}  ${skip.reason}`);
console.log('\nConnect a client: see README "Deploy to Azure" (the endpoint needs its function key in the x-functions-key header, or a token).');
process.exit(reports.every((report) => report.ok) ? 0 : 1);
