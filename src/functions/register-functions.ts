import type { HttpFunctionOptions, HttpHandler, SetupOptions } from '@azure/functions';
import type { AdapterConfig } from '../config/model.js';
import type { FetchHandler } from '../http/app.js';
import { routeTable, type Route } from '../http/routes.js';
import { serveFunctionsRequest } from './http-bridge.js';

/** The part of `@azure/functions`' `app` this uses, so a test can record the registrations. */
export interface FunctionsRegistrar {
  setup(options: SetupOptions): void;
  http(name: string, options: HttpFunctionOptions): void;
  hook: { appTerminate(handler: () => Promise<void> | void): unknown };
}

/** A Functions HTTP trigger: one per entry of the app's route table (`http/routes.ts`). */
export type RegisteredRoute = Pick<Route, 'name' | 'route' | 'authLevel' | 'methods'>;

/** The triggers to register: the app's route table, as the Functions host needs it. */
export function functionRoutes(config: AdapterConfig): RegisteredRoute[] {
  return routeTable(config).map(({ name, route, authLevel, methods }) => ({ name, route, authLevel, methods }));
}

/**
 * Registers the adapter with the Functions host: HTTP streaming on, the routes above, and a
 * terminate hook that drains every session so no child outlives the worker.
 */
export function registerFunctions(
  app: FunctionsRegistrar,
  options: { config: AdapterConfig; fetch: FetchHandler; drain: () => Promise<void>; routePrefix: string },
): RegisteredRoute[] {
  app.setup({ enableHttpStream: true });
  const handler: HttpHandler = (request) =>
    serveFunctionsRequest(options.fetch, request, { routePrefix: options.routePrefix });
  const routes = functionRoutes(options.config);
  for (const route of routes) {
    app.http(route.name, { route: route.route, methods: route.methods, authLevel: route.authLevel, handler });
  }
  app.hook.appTerminate(() => options.drain());
  return routes;
}
