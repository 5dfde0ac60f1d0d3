import type { LoadedConfig } from '../config/load-config.js';
import { planDeployment } from '../deployment/plan.js';
import {
  decodeProvisionedPlan,
  infrastructureChanges,
  PROVISIONED_PLAN_SETTING,
  provisionedProjection,
} from '../deployment/provisioned-plan.js';

/**
 * Compares what the deployed config needs from the infrastructure with what the last provision
 * created (the app setting MCP_ADAPTER_PROVISIONED_PLAN, written by infra/main.bicep): one line
 * per difference, empty when the infrastructure is current, undefined when there is nothing to
 * compare with (an app provisioned before the setting existed, or not by this template). The
 * predeploy hook stops such a deploy; this is for a package that reached the app another way.
 */
export function provisioningChanges(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string[] | undefined {
  const recorded = env[PROVISIONED_PLAN_SETTING];
  if (!recorded) return undefined;
  try {
    // The plan of every configured server: an unavailable one still needs its settings.
    const servers = new Map([
      ...loaded.config.servers,
      ...[...loaded.config.unavailable].map(([name, entry]) => [name, entry.server] as const),
    ]);
    const current = planDeployment({ ...loaded, config: { ...loaded.config, servers } });
    return infrastructureChanges(decodeProvisionedPlan(recorded), provisionedProjection(current));
  } catch (error) {
    return [`cannot compare with the provisioned plan: ${(error as Error).message}`];
  }
}
