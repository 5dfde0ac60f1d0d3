import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import pRetry, { AbortError } from 'p-retry';
import { smokeTest, type SmokeReport } from './smoke.js';
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
  /**
   * How the deployed app keeps children apart, from its own /status (`process/isolation.ts`): the
   * first deploy answers which user the platform runs the worker as and with which capabilities.
   * Undefined when /status could not be read (the reason is in `isolationError`).
   */
  isolation?: { mode: string; reason: string; uid?: number; capabilities?: { effective: string } };
  isolationError?: string;
}

export interface RetryOptions {
  retries?: number;
  minTimeout?: number;
  factor?: number;
}

/** Statuses a just-deployed app answers while its host starts: worth asking again. */
function retryable(status: number): boolean {
  return status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads the function app's default function key through Azure Resource Manager. A host that has
 * just started answers 404/409/5xx or lists no default key yet: those are retried with backoff
 * (about two minutes by default); a refusal (401/403...) is not.
 */
export async function fetchFunctionKey(
  env: PostdeployEnvironment,
  credential: TokenCredential = new DefaultAzureCredential(),
  armEndpoint = 'https://management.azure.com',
  retry: RetryOptions = {},
): Promise<string> {
  const token = await credential.getToken('https://management.azure.com/.default');
  if (!token) throw new Error('no Azure credential: run `azd auth login`');
  const url = `${armEndpoint}/subscriptions/${env.subscriptionId}/resourceGroups/${env.resourceGroup}/providers/Microsoft.Web/sites/${env.functionAppName}/host/default/listkeys?api-version=2024-04-01`;
  return pRetry(
    async () => {
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token.token}` } });
      if (!response.ok) {
        await response.body?.cancel();
        const error = new Error(`listing the function keys failed: HTTP ${response.status}`);
        throw retryable(response.status) ? error : new AbortError(error);
      }
      const keys = (await response.json()) as { functionKeys?: Record<string, string> };
      const key = keys.functionKeys?.default;
      if (!key) throw new Error('the function app has no default function key yet');
      return key;
    },
    {
      retries: retry.retries ?? 6,
      minTimeout: retry.minTimeout ?? 2000,
      factor: retry.factor ?? 2,
      maxTimeout: 30_000,
    },
  );
}

/**
 * The `postdeploy` smoke test: every endpoint protected by a function key (or open) is
 * initialized, listed and called, retried while the app warms up; endpoints that verify user
 * tokens are listed with the command to test them by hand. A key that cannot be had fails the
 * key-protected endpoints' reports (with the reason), never the whole run.
 */
export async function smokeDeployment(
  plan: Pick<DeploymentPlan, 'servers'>,
  env: PostdeployEnvironment,
  getKey: () => Promise<string>,
  options: { retries?: number; minTimeout?: number } = {},
): Promise<PostdeployResult> {
  const reports: SmokeReport[] = [];
  const skipped: PostdeployResult['skipped'] = [];
  let key: Promise<string> | undefined;
  for (const server of plan.servers) {
    const endpoint = new URL(server.endpoint, env.baseUrl);
    if (server.caller !== 'function_key' && server.caller !== 'none') {
      skipped.push({
        endpoint: endpoint.href,
        reason: `callers need a ${server.caller} token: npm run smoke -- ${endpoint.href} --token <token>`,
      });
      continue;
    }
    let functionKey: string | undefined;
    if (server.authLevel !== 'anonymous') {
      key ??= getKey();
      try {
        functionKey = await key;
      } catch (error) {
        reports.push({
          endpoint: endpoint.href,
          ok: false,
          error: `could not get the function key: ${(error as Error).message}`,
          durationMs: 0,
        });
        continue;
      }
    }
    const report = await pRetry(
      async () => {
        const attempt = await smokeTest({ endpoint, functionKey });
        if (!attempt.ok) throw Object.assign(new Error(attempt.error ?? 'smoke test failed'), { report: attempt });
        return attempt;
      },
      { retries: options.retries ?? 4, minTimeout: options.minTimeout ?? 2000, factor: 2 },
    ).catch(
      (error: { report?: SmokeReport; message: string }) =>
        error.report ?? { endpoint: endpoint.href, ok: false, error: error.message, durationMs: 0 },
    );
    reports.push(report);
  }
  const isolation = await readIsolation(env.baseUrl, plan, key);
  return { reports, skipped, ...isolation };
}

/** The deployed app's isolation self-report, from /status (with the function key where its route needs one). */
async function readIsolation(
  baseUrl: string,
  plan: Pick<DeploymentPlan, 'servers'>,
  key: Promise<string> | undefined,
): Promise<Pick<PostdeployResult, 'isolation' | 'isolationError'>> {
  if (plan.servers.some((server) => server.caller !== 'function_key' && server.caller !== 'none'))
    return { isolationError: 'its /status needs a user token (servers verify callers): read it with one' };
  try {
    const functionKey = key ? await key : undefined;
    const response = await fetch(new URL('/status', baseUrl), {
      headers: functionKey ? { 'x-functions-key': functionKey } : {},
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { isolationError: `/status answered HTTP ${response.status}` };
    }
    const status = (await response.json()) as { isolation?: PostdeployResult['isolation'] };
    return status.isolation ? { isolation: status.isolation } : { isolationError: '/status has no isolation report' };
  } catch (error) {
    return { isolationError: (error as Error).message };
  }
}

/** The command that re-runs one endpoint's smoke test by hand (the key is fetched, never printed). */
export function smokeCommand(endpoint: string, env: Partial<PostdeployEnvironment>, needsKey: boolean): string {
  if (!needsKey) return `npm run smoke -- ${endpoint}`;
  const keyCommand = `az functionapp keys list --resource-group ${env.resourceGroup ?? '<resource group>'} --name ${env.functionAppName ?? '<function app>'} --query functionKeys.default --output tsv`;
  return `npm run smoke -- ${endpoint} --key "$(${keyCommand})"`;
}

/**
 * What the postdeploy hook prints: one line per endpoint, then a warning for each failure with its
 * reason and the command to re-run it. A deploy that worked stays a success: the smoke test only
 * reports.
 */
export function describePostdeploy(
  plan: Pick<DeploymentPlan, 'servers'>,
  env: PostdeployEnvironment,
  result: PostdeployResult,
): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  for (const report of result.reports) {
    if (report.ok) {
      lines.push(
        `ok   ${report.endpoint}  ${report.server ?? ''} tools: ${report.tools?.length ?? 0}${report.called ? `, called ${report.called.tool}` : ''} (${report.durationMs} ms)`,
      );
      continue;
    }
    const server = plan.servers.find((s) => new URL(s.endpoint, env.baseUrl).href === report.endpoint);
    lines.push(`FAIL ${report.endpoint}  ${report.error ?? 'failed'}`);
    warnings.push(
      `warning: the smoke test of ${report.endpoint} failed (${report.error ?? 'no reason given'}). The deployment itself succeeded; a new app can take a few minutes to answer. Re-run the test with:\n  ${smokeCommand(report.endpoint, env, server?.authLevel !== 'anonymous')}`,
    );
  }
  for (const skip of result.skipped) lines.push(`skip ${skip.endpoint}  ${skip.reason}`);
  if (result.isolation) {
    const { mode, reason, uid, capabilities } = result.isolation;
    lines.push(
      `child isolation: ${mode} (worker uid ${uid ?? '?'}, effective capabilities ${capabilities?.effective ?? '?'}): ${reason}`,
    );
    if (mode === 'shared_user')
      warnings.push(
        "warning: children run as the app's own user: any MCP server of this app can read the app's settings and secrets and use its identity. Keep servers of different trust in separate apps (docs/protocol-and-sessions.md: Child isolation).",
      );
  } else if (result.isolationError) {
    lines.push(`child isolation: unknown (${result.isolationError})`);
  }
  return { lines, warnings };
}
