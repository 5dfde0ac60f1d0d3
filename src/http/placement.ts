import { AdapterError } from '../errors/adapter-error.js';
import type { ServerConfig } from '../config/model.js';

/**
 * Which of the config's servers this app serves (docs/scale-out-decision.md). A deployment with
 * both kinds of server runs two Function Apps from one package and one config: the `stateful` app
 * never scales past one instance and holds the serving lease; the `stateless` app scales out. Each
 * answers for its own servers and names the other app's URL for the rest. Without a role (npm
 * start, tests) one process serves every server.
 */
export type AppRole = 'stateful' | 'stateless';

export interface Placement {
  role: AppRole;
  /**
   * `deployment.single_instance`: the plan puts every server, stateless ones included, in the
   * stateful app (src/deployment/plan.ts), so that app serves them all.
   */
  everyServer?: boolean;
  /** Base URL of the deployment's other app, when there is one (`MCP_ADAPTER_OTHER_APP_URL`). */
  otherAppUrl?: string;
}

/** The placement the app settings give this process, or undefined (serves every server). */
export function placementFromEnvironment(
  env: NodeJS.ProcessEnv,
  options: { singleInstance?: boolean } = {},
): Placement | undefined {
  const role = env.MCP_ADAPTER_APP_ROLE?.trim();
  if (!role) return undefined;
  if (role !== 'stateful' && role !== 'stateless')
    throw new AdapterError(`MCP_ADAPTER_APP_ROLE is "${role}"; use stateful or stateless (or leave it unset)`, {
      code: 'app_role_invalid',
    });
  const other = env.MCP_ADAPTER_OTHER_APP_URL?.trim().replace(/\/+$/, '');
  if (other && !/^https?:\/\/[^/\s]+$/.test(other))
    throw new AdapterError(`MCP_ADAPTER_OTHER_APP_URL is "${other}"; give the other app's base URL (https://<host>)`, {
      code: 'other_app_url_invalid',
    });
  return {
    role,
    ...(other && { otherAppUrl: other }),
    ...(role === 'stateful' && options.singleInstance && { everyServer: true }),
  };
}

/**
 * Whether this app serves the server: every server without a placement, else those the plan
 * places in it (its kind, or all of them in the stateful app of a `single_instance` config).
 */
export function servesServer(placement: Placement | undefined, server: ServerConfig): boolean {
  return placement === undefined || placement.everyServer === true || server.state === placement.role;
}

/** The answer for a server the other app serves: where to go instead. */
export function servedElsewhereMessage(placement: Placement, server: ServerConfig): string {
  const kind = server.state === 'stateful' ? 'stateful' : 'stateless';
  const where = placement.otherAppUrl
    ? `use ${placement.otherAppUrl}/mcp/${server.name}`
    : "see the deployment's MCP_ENDPOINTS (azd env get-values) for its URL";
  return `Not Found: MCP server "${server.name}" is ${kind}, so this deployment serves it from its ${kind} app, not this one; ${where}`;
}
