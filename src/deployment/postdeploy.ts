import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import pRetry from 'p-retry';
import { smokeTest, type SmokeReport } from '../cli/smoke.js';
import type { DeploymentPlan } from './plan.js';

export interface PostdeployEnvironment {
  subscriptionId: string;
  resourceGroup: string;
  functionAppName: string;
  baseUrl: string;
}

export interface PostdeployResult {
  reports: SmokeReport[];
  /** Endpoints not tested, and why (they need a user's token). */
  skipped: Array<{ endpoint: string; reason: string }>;
}

/** Reads the function app's default function key through Azure Resource Manager. */
export async function fetchFunctionKey(
  env: PostdeployEnvironment,
  credential: TokenCredential = new DefaultAzureCredential(),
  armEndpoint = 'https://management.azure.com',
): Promise<string> {
  const token = await credential.getToken('https://management.azure.com/.default');
  if (!token) throw new Error('no Azure credential: run `azd auth login`');
  const url = `${armEndpoint}/subscriptions/${env.subscriptionId}/resourceGroups/${env.resourceGroup}/providers/Microsoft.Web/sites/${env.functionAppName}/host/default/listkeys?api-version=2024-04-01`;
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token.token}` } });
  if (!response.ok) throw new Error(`listing the function keys failed: HTTP ${response.status}`);
  const keys = (await response.json()) as { functionKeys?: Record<string, string> };
  const key = keys.functionKeys?.default;
  if (!key) throw new Error('the function app has no default function key yet');
  return key;
}

/**
 * The `postdeploy` smoke test: every endpoint protected by a function key (or open) is
 * initialized, listed and called, retried while the app warms up; endpoints that verify user
 * tokens are listed with the command to test them by hand.
 */
export async function smokeDeployment(plan: DeploymentPlan, env: PostdeployEnvironment, getKey: () => Promise<string>, options: { retries?: number } = {}): Promise<PostdeployResult> {
  const reports: SmokeReport[] = [];
  const skipped: PostdeployResult['skipped'] = [];
  let key: string | undefined;
  for (const server of plan.servers) {
    const endpoint = new URL(server.endpoint, env.baseUrl);
    if (server.caller !== 'function_key' && server.caller !== 'none') {
      skipped.push({ endpoint: endpoint.href, reason: `callers need a ${server.caller} token: npm run smoke -- ${endpoint.href} --token <token>` });
      continue;
    }
    if (server.authLevel !== 'anonymous') key ??= await getKey();
    const functionKey = server.authLevel === 'anonymous' ? undefined : key;
    const report = await pRetry(
      async () => {
        const attempt = await smokeTest({ endpoint, functionKey });
        if (!attempt.ok) throw Object.assign(new Error(attempt.error ?? 'smoke test failed'), { report: attempt });
        return attempt;
      },
      { retries: options.retries ?? 4, minTimeout: 2000, factor: 2 },
    ).catch((error: { report?: SmokeReport; message: string }) => error.report ?? { endpoint: endpoint.href, ok: false, error: error.message, durationMs: 0 });
    reports.push(report);
  }
  return { reports, skipped };
}
