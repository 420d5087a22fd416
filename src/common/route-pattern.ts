import type { Request } from 'express';

/**
 * The route a request matched, as declared (`/tasks/result/:id`), never the raw URL: metrics
 * keyed by raw URLs would grow a series per task id. Read once the response is finished, when
 * the router has matched. Requests that matched no route share one label.
 */
export function routePatternOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (!route || typeof route.path !== 'string') return UNMATCHED_ROUTE;
  return `${req.baseUrl}${route.path}` || '/';
}

export const UNMATCHED_ROUTE = '(unmatched)';
