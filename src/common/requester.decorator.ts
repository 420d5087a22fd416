import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is asking: the owner of the request's API key, when keys are enabled. */
export interface Requester {
  owner: string | null;
}

const REQUESTER = Symbol('requester');

export function setRequester(req: Request, requester: Requester): void {
  (req as unknown as Record<symbol, Requester>)[REQUESTER] = requester;
}

export function requesterOf(req: Request): Requester {
  return (req as unknown as Record<symbol, Requester | undefined>)[REQUESTER] ?? { owner: null };
}

/** The requester set by the API-key guard, or an anonymous one when keys are off. */
export const CurrentRequester = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Requester =>
    requesterOf(ctx.switchToHttp().getRequest<Request>()),
);
