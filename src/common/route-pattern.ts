import type { Request } from 'express';

const MOUNT_PATTERN = Symbol('mountPattern');

/**
 * The route a request matched, as declared (`/tasks/result/:id`), never the raw URL: metrics
 * keyed by raw URLs would grow a series per task id. Read once the response is finished, when
 * the router has matched. Requests that matched no route share one label, unless they went
 * into a mounted sub-application that named itself with `markMountPattern`.
 */
export function routePatternOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}` || '/';
  return (req as unknown as Record<symbol, string | undefined>)[MOUNT_PATTERN] ?? UNMATCHED_ROUTE;
}

/** Labels the requests of a mounted sub-application (`/admin/queues/*`) that match no route. */
export function markMountPattern(req: Request, pattern: string): void {
  (req as unknown as Record<symbol, string>)[MOUNT_PATTERN] = pattern;
}

export const UNMATCHED_ROUTE = '(unmatched)';
