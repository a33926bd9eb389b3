import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HttpErrorCode, type ApiError } from '@rslab/protocol';
import { StoreUnavailableError } from '../rooms/store';

/** Answer with the API's one error shape. */
export function sendError(reply: FastifyReply, statusCode: number, error: string, message: string): FastifyReply {
  const body: ApiError = { statusCode, error, message };
  return reply.code(statusCode).send(body);
}

/** The `response` schema entries every route shares: any error status answers an `ApiError`. */
export const errorResponses = { '4xx': { $ref: 'ApiError#' }, '5xx': { $ref: 'ApiError#' } } as const;

/** No route has this method and path: logged, and answered in the API's error shape. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.info({ method: request.method, url: request.url }, 'no route');
  return sendError(reply, 404, HttpErrorCode.notFound, `no route for ${request.method} ${request.url.split('?')[0]?.slice(0, 200) ?? ''}`);
}

/**
 * Whatever a route throws: a request that broke a schema is the client's (400), an error Fastify
 * gave a 4xx status keeps it, a store that did not acknowledge in time is 503 with `Retry-After`,
 * anything else is ours (500, logged with its stack). All answer in the API's error shape.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    request.log.info({ err: error }, 'request refused by its schema');
    return sendError(reply, 400, HttpErrorCode.invalidRequest, error.message);
  }
  if ((error as unknown) instanceof StoreUnavailableError) {
    // Nothing was acknowledged: the page may send the same request again after Retry-After.
    const unavailable = error as unknown as StoreUnavailableError;
    request.log.warn({ err: error }, 'the progress store did not acknowledge in time');
    return sendError(reply.header('retry-after', String(unavailable.retryAfterSeconds)), 503, HttpErrorCode.storeUnavailable, unavailable.message);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    request.log.info({ err: error }, 'request refused');
    return sendError(reply, status, status === 404 ? HttpErrorCode.notFound : HttpErrorCode.invalidRequest, error.message);
  }
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, 500, HttpErrorCode.internalError, 'the server failed to answer this request; it is logged');
}
