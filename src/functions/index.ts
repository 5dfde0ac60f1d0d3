/**
 * The Azure Functions entry (package.json `main`). Loads the config with variables resolved
 * from the app settings (Key Vault references arrive resolved), and registers the adapter.
 * Reaping runs on in-process timers on every instance: a Functions timer trigger would fire
 * on one instance only.
 */
import functions from '@azure/functions';
import { createLogger, parseLogLevel } from '../observability/logger.js';
import { loadForServing, logLoadedConfig, servingDependencies } from '../serve.js';
import { settingsReadBy } from '../config/variables.js';
import { createRuntime } from '../runtime/create-runtime.js';
import { registerFunctions } from './register-functions.js';
import { readRoutePrefix } from './route-prefix.js';
import { provisioningChanges } from './provisioning-check.js';
import { assertKeyVaultReferencesResolved } from '../azure/key-vault-references.js';

const loaded = loadForServing({ env: process.env, baseDir: process.cwd() });
// A Key Vault reference the config reads makes only its servers unavailable (loadForServing);
// any other one (the session key) leaves nothing servable, so start-up stops.
assertKeyVaultReferencesResolved(process.env, { except: settingsReadBy(loaded.variables) });
const levels = { ...loaded.config.adapter.logLevels };
if (process.env.LOG_LEVEL) levels.default = parseLogLevel(process.env.LOG_LEVEL);
// Application Insights only where it is configured (always on Azure): its SDK is most of a cold start.
const sink = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING
  ? (await import('../azure/azure-monitor.js')).enableAzureMonitor(process.env)
  : undefined;
const logger = createLogger({ levels, sink });
logLoadedConfig(loaded, logger);
const provisioning = provisioningChanges(loaded, process.env);
if (provisioning?.length) {
  logger
    .child({ component: 'config' })
    .warn('this config needs infrastructure the last provision did not create; run `azd provision` (or `azd up`)', {
      changes: provisioning,
    });
}
const { verifierFor, childCredentials, store, placement, servingLease } = await servingDependencies(
  loaded,
  process.env,
  logger,
  {
    deployed: true,
  },
);
const runtime = createRuntime(loaded.config, {
  logger,
  hostEnv: process.env,
  childCredentials,
  store,
  placement,
  servingLease,
  boundToLoopback: false,
  siteHostNames: siteHostNames(process.env),
  verifierFor,
  provisioningChanges: provisioning,
  // Azure's front end ends a response after 230 s: end SSE responses first; clients resume.
  defaultStreamLimitMs: 180_000,
});
registerFunctions(functions.app, {
  config: loaded.config,
  fetch: runtime.fetch,
  drain: () => runtime.drain(),
  routePrefix: readRoutePrefix(process.cwd()),
});

function siteHostNames(env: NodeJS.ProcessEnv): string[] {
  return [env.WEBSITE_HOSTNAME].filter((name): name is string => Boolean(name));
}
