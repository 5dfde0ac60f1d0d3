import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';

/** What the Functions host uses when host.json names no route prefix. */
export const DEFAULT_ROUTE_PREFIX = 'api';

/**
 * The HTTP route prefix the Functions host puts before every route: host.json's
 * `extensions.http.routePrefix`, `api` when it is not set (azure-functions-host,
 * `WebFunctionsManager.GetRoutePrefix`). This template ships `""`; a fork that changes it must
 * still reach the same app, so the Functions host strips the prefix before the app routes.
 */
export function readRoutePrefix(appRoot: string): string {
  const file = path.join(appRoot, 'host.json');
  if (!existsSync(file)) return DEFAULT_ROUTE_PREFIX;
  const hostJson = parseJsonc(readFileSync(file, 'utf8')) as
    | { extensions?: { http?: { routePrefix?: unknown } } }
    | undefined;
  const prefix = hostJson?.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : DEFAULT_ROUTE_PREFIX;
}
