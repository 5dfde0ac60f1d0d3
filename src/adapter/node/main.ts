#!/usr/bin/env node
/**
 * `npm start`: serves the config on http://HOST:PORT/mcp. Reads MCP_CONFIG_PATH (else the
 * well-known files in the current folder), PORT (7071, the Functions default) and HOST
 * (127.0.0.1; listening beyond loopback is a deliberate choice). SIGTERM/SIGINT drain every
 * session so that no child process is left behind.
 */
import { ConfigError } from '../../config/errors.js';
import { discoverConfigPath, loadConfigFile } from '../../config/load-config.js';
import { createLogger, parseLogLevel } from '../../observability/logger.js';
import { startNodeHost } from './node-host.js';

const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL), fields: { component: 'adapter' } });

async function main(): Promise<void> {
  const configPath = discoverConfigPath({ env: process.env, appRoot: process.cwd() });
  const config = loadConfigFile(configPath);
  const port = Number(process.env.PORT ?? 7071);
  const host = process.env.HOST ?? '127.0.0.1';
  const running = await startNodeHost({ config, logger, port, host });
  const names = [...config.servers.keys()];
  logger.info('serving MCP servers', { config: configPath, endpoints: names.map((name) => `${running.url}/mcp/${name}`) });
  process.stderr.write(`\nMCP adapter listening on ${running.url}/mcp  (servers: ${names.join(', ')})\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('draining sessions', { signal });
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('drain failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`Failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
