/**
 * Programmatic entry: build a config in code (same schema, same validation, same errors as
 * `mcp_config.json`) and serve it, plan its deployment, or validate it.
 *
 * ```ts
 * import { defineConfig, serve } from 'mcp-stdio-functions';
 * const config = defineConfig({ mcpServers: { git: { command: 'uvx', args: ['mcp-server-git'] } } });
 * const host = await serve({ config, port: 7071 });
 * ```
 */
export type { ConfigDocument, StdioServerDocument, AuthDocument, InputDocument } from './config/document.js';
export type { AdapterConfig, ServerConfig } from './config/model.js';
export { ConfigError, type ConfigIssue } from './config/errors.js';
export {
  configFromDocument,
  discoverConfigPath,
  loadConfigFile,
  parseConfig,
  type LoadedConfig,
} from './config/load-config.js';
export { planDeployment, type DeploymentPlan } from './deployment/plan.js';
export type { FetchHandler } from './http/app.js';
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime/create-runtime.js';
export { serve, loadForServing, type ServeOptions } from './serve.js';
import type { ConfigDocument } from './config/document.js';

/** Identity function that gives a config object written in code completion and type checks. */
export function defineConfig(config: ConfigDocument): ConfigDocument {
  return config;
}
