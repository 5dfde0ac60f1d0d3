import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import pRetry, { AbortError } from 'p-retry';
import { smokeTest, type SmokeReport } from './smoke.js';
import type { DeploymentPlan } from './plan.js';

/** One deployed Function App: an element of the azd output MCP_APPS (infra/main.bicep). */
export interface DeployedApp {
  /** azure.yaml service key: `api` or `api-stateless`. */
  service: string;
  /** `stateful` (one instance, holds the serving lease) or `stateless` (scales out). */
  role: string;
  /** The site's name. */
  name: string;
  /** https://<host name>, no trailing slash. */
  baseUrl: string;
  /** The servers it serves. */
  servers: string[];
}

export interface PostdeployEnvironment {
  subscriptionId: string;
  resourceGroup: string;
  /** Every app of the deployment (MCP_APPS), `api` first. */
  apps: DeployedApp[];
}

/** Where one app's function key is read: its own site. */
export interface KeyLocation {
  subscriptionId: string;
  resourceGroup: string;
  functionAppName: string;
}

export interface AppCheck {
  app: DeployedApp;
  /**
   * How the deployed app keeps children apart, from its own /status (`process/isolation.ts`): the
   * first deploy answers which user the platform runs the worker as and with which capabilities.
   * Undefined when /status could not be read (the reason is in `isolationError`).
   */
  isolation?: { mode: string; reason: string; uid?: number; capabilities?: { effective: string } };
  isolationError?: string;
}

export interface PostdeployResult {
  /** One per tested endpoint, with the service of the app that serves it. */
  reports: Array<SmokeReport & { app: string }>;
  /** Endpoints not tested, and why (they need a user's token). */
  skipped: Array<{ endpoint: string; app: string; reason: string }>;
  /** Each app's /status, in the order of `env.apps`. */
  apps: AppCheck[];
}

export interface RetryOptions {
  retries?: number;
  minTimeout?: number;
  factor?: number;
}

/**
 * The apps of the azd output MCP_APPS (a JSON array; azd stores array outputs as JSON). Throws
 * with what is wrong when it is not that.
 */
export function parseDeployedApps(text: string): DeployedApp[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`MCP_APPS is not JSON (${(error as Error).message})`);
  }
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (app: Record<string, unknown>) =>
        typeof app === 'object' &&
        app !== null &&
        ['service', 'role', 'name', 'baseUrl'].every((key) => typeof app[key] === 'string' && app[key] !== '') &&
        Array.isArray(app.servers) &&
        app.servers.every((server) => typeof server === 'string'),
    );
  if (!ok)
    throw new Error(
      'MCP_APPS is not a list of { service, role, name, baseUrl, servers } (an output of infra/main.bicep)',
    );
  return (value as DeployedApp[]).map((app) => ({ ...app, baseUrl: app.baseUrl.replace(/\/+$/, '') }));
}

/** The app that serves a planned server: by its `app` (the service key). */
export function appOf(
  server: Pick<DeploymentPlan['servers'][number], 'app'>,
  apps: DeployedApp[],
): DeployedApp | undefined {
  return apps.find((app) => app.service === server.app);
}

/** A server's endpoint URL on the app that serves it. */
export function endpointOf(server: Pick<DeploymentPlan['servers'][number], 'endpoint'>, app: DeployedApp): string {
  return new URL(server.endpoint, app.baseUrl).href;
}

/** Statuses a just-deployed app answers while its host starts: worth asking again. */
function retryable(status: number): boolean {
  return status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads one function app's default function key through Azure Resource Manager. A host that has
 * just started answers 404/409/5xx or lists no default key yet: those are retried with backoff
 * (about two minutes by default); a refusal (401/403...) is not.
 */
export async function fetchFunctionKey(
  env: KeyLocation,
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
 * initialized, listed and called on the app that serves it, with that app's key, retried while the
 * app warms up; endpoints that verify user tokens are listed with the command to test them by
 * hand. A key that cannot be had fails that app's key-protected endpoints' reports (with the
 * reason), never the whole run. Then each app's /status.
 */
export async function smokeDeployment(
  plan: Pick<DeploymentPlan, 'servers'>,
  env: PostdeployEnvironment,
  getKey: (app: DeployedApp) => Promise<string>,
  options: { retries?: number; minTimeout?: number } = {},
): Promise<PostdeployResult> {
  const reports: PostdeployResult['reports'] = [];
  const skipped: PostdeployResult['skipped'] = [];
  const keys = new Map<string, Promise<string>>();
  const keyOf = (app: DeployedApp) => {
    let key = keys.get(app.service);
    if (!key) {
      key = getKey(app);
      key.catch(() => {}); // awaited by each endpoint that needs it
      keys.set(app.service, key);
    }
    return key;
  };
  for (const server of plan.servers) {
    const app = appOf(server, env.apps);
    if (!app) {
      reports.push({
        endpoint: server.endpoint,
        app: server.app,
        ok: false,
        error: `no deployed app is the service ${server.app} that serves it (MCP_APPS: ${env.apps.map((a) => a.service).join(', ')}); run azd provision`,
        durationMs: 0,
      });
      continue;
    }
    const endpoint = new URL(endpointOf(server, app));
    if (server.caller !== 'function_key' && server.caller !== 'none') {
      skipped.push({
        endpoint: endpoint.href,
        app: app.service,
        reason: `callers need a ${server.caller} token: npm run smoke -- ${endpoint.href} --token <token>`,
      });
      continue;
    }
    let functionKey: string | undefined;
    if (server.authLevel !== 'anonymous') {
      try {
        functionKey = await keyOf(app);
      } catch (error) {
        reports.push({
          endpoint: endpoint.href,
          app: app.service,
          ok: false,
          error: `could not get the function key of ${app.name}: ${(error as Error).message}`,
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
    reports.push({ ...report, app: app.service });
  }
  const apps: AppCheck[] = [];
  for (const app of env.apps) {
    const served = plan.servers.filter((server) => server.app === app.service);
    apps.push({ app, ...(await readIsolation(app, served, () => keyOf(app))) });
  }
  return { reports, skipped, apps };
}

/** An app's isolation self-report, from its /status (with its function key where its route needs one). */
async function readIsolation(
  app: DeployedApp,
  servers: Pick<DeploymentPlan, 'servers'>['servers'],
  key: () => Promise<string>,
): Promise<Pick<AppCheck, 'isolation' | 'isolationError'>> {
  if (servers.some((server) => server.caller !== 'function_key' && server.caller !== 'none'))
    return { isolationError: 'its /status needs a user token (servers verify callers): read it with one' };
  try {
    const functionKey = servers.some((server) => server.authLevel !== 'anonymous') ? await key() : undefined;
    const response = await fetch(new URL('/status', app.baseUrl), {
      headers: functionKey ? { 'x-functions-key': functionKey } : {},
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { isolationError: `/status answered HTTP ${response.status}` };
    }
    const status = (await response.json()) as { isolation?: AppCheck['isolation'] };
    return status.isolation ? { isolation: status.isolation } : { isolationError: '/status has no isolation report' };
  } catch (error) {
    return { isolationError: (error as Error).message };
  }
}

/** The command that re-runs one endpoint's smoke test by hand (the key is fetched, never printed). */
export function smokeCommand(
  endpoint: string,
  app: { resourceGroup?: string; functionAppName?: string },
  needsKey: boolean,
): string {
  if (!needsKey) return `npm run smoke -- ${endpoint}`;
  const keyCommand = `az functionapp keys list --resource-group ${app.resourceGroup ?? '<resource group>'} --name ${app.functionAppName ?? '<function app>'} --query functionKeys.default --output tsv`;
  return `npm run smoke -- ${endpoint} --key "$(${keyCommand})"`;
}

/**
 * What the postdeploy hook prints: each app (service, role, site, URL), then one line per
 * endpoint it serves and its isolation; a warning for each failure with its reason and the
 * command to re-run it. A deploy that worked stays a success: the smoke test only reports.
 */
export function describePostdeploy(
  plan: Pick<DeploymentPlan, 'servers'>,
  env: PostdeployEnvironment,
  result: PostdeployResult,
): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const appServices = new Set(env.apps.map((app) => app.service));
  const groups: Array<{ heading?: string; service: string }> = [
    ...env.apps.map((app) => ({
      heading: `app ${app.service} (${app.role}): ${app.name} ${app.baseUrl}`,
      service: app.service,
    })),
    // Servers of an app the environment does not know (reported as failures).
    ...[...new Set(result.reports.map((r) => r.app))]
      .filter((service) => !appServices.has(service))
      .map((service) => ({ service })),
  ];
  for (const group of groups) {
    if (group.heading) lines.push(group.heading);
    const app = env.apps.find((a) => a.service === group.service);
    for (const report of result.reports.filter((r) => r.app === group.service)) {
      if (report.ok) {
        lines.push(
          `  ok   ${report.endpoint}  ${report.server ?? ''} tools: ${report.tools?.length ?? 0}${report.called ? `, called ${report.called.tool}` : ''} (${report.durationMs} ms)`,
        );
        continue;
      }
      const server = app && plan.servers.find((s) => s.app === app.service && endpointOf(s, app) === report.endpoint);
      lines.push(`  FAIL ${report.endpoint}  ${report.error ?? 'failed'}`);
      warnings.push(
        `warning: the smoke test of ${report.endpoint} failed (${report.error ?? 'no reason given'}). The deployment itself succeeded; a new app can take a few minutes to answer. Re-run the test with:\n  ${smokeCommand(report.endpoint, { resourceGroup: env.resourceGroup, functionAppName: app?.name }, server?.authLevel !== 'anonymous')}`,
      );
    }
    for (const skip of result.skipped.filter((s) => s.app === group.service))
      lines.push(`  skip ${skip.endpoint}  ${skip.reason}`);
    const check = result.apps.find((c) => c.app.service === group.service);
    if (check?.isolation) {
      const { mode, reason, uid, capabilities } = check.isolation;
      lines.push(
        `  child isolation: ${mode} (worker uid ${uid ?? '?'}, effective capabilities ${capabilities?.effective ?? '?'}): ${reason}`,
      );
      if (mode === 'shared_user')
        warnings.push(
          `warning: children of app ${group.service} run as the app's own user: any MCP server of this app can read the app's settings and secrets and use its identity. Keep servers of different trust in separate apps (docs/protocol-and-sessions.md: Child isolation).`,
        );
    } else if (check?.isolationError) {
      lines.push(`  child isolation: unknown (${check.isolationError})`);
    }
  }
  return { lines, warnings };
}
