/**
 * What the azd hooks need, bundled with its dependencies into scripts/hooks/lib/hook-tools.mjs
 * (`npm run hooks:bundle`; a test fails when the committed bundle is stale). The hooks import
 * only that bundle and Node's built-ins: azd runs `preprovision` while it installs and builds
 * the project (`azd up` runs them concurrently), so node_modules and dist/ may be half written.
 */
import type { LoadedConfig } from '../config/load-config.js';
import { discoverConfigPath, loadConfigFile } from '../config/load-config.js';
import { planDeployment, type DeploymentPlan } from './plan.js';

export { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.js';
export { discoverConfigPath, loadConfigFile, type LoadedConfig } from '../config/load-config.js';
export { planDeployment, PlanError, type DeploymentPlan } from './plan.js';
export {
  AzdValuesError,
  askOnTerminal,
  collectAzdValues,
  decodeValues,
  dotenvLine,
  dotenvText,
  encodeValues,
  howToSet,
  neededValues,
  noPromptMode,
  RETIRED_APP_ROLES_VAR,
  RETIRED_CALLER_SCOPES_VAR,
  runningOnCI,
  SECRET_VALUES_VAR,
  SESSION_KEY_VAR,
  SETTING_VALUES_VAR,
  storeInAzdEnv,
  type NeededValue,
} from './azd-values.js';
export {
  decodeProvisionedPlan,
  encodeProvisionedPlan,
  infrastructureChanges,
  PROVISIONED_PLAN_SETTING,
  PROVISIONED_PLAN_VAR,
  provisionedProjection,
  ProvisionedPlanError,
  retiredAppRoles,
  retiredCallerScopes,
  type ProvisionedPlan,
} from './provisioned-plan.js';

/** The config the app will serve (MCP_CONFIG_PATH or the well-known files in the app root) and its plan. */
export function loadPlan(
  appRoot: string,
  env: NodeJS.ProcessEnv,
): { file: string; loaded: LoadedConfig; plan: DeploymentPlan } {
  const file = discoverConfigPath({ env, appRoot });
  const loaded = loadConfigFile(file);
  return { file, loaded, plan: planDeployment(loaded) };
}
