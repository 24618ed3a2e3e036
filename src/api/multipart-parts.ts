import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';

export class MalformedMultipart extends AppError {
  readonly status = 400;
  readonly code = 'MALFORMED_MULTIPART';
}

/**
 * The parts of a multipart request, where a body that is not valid multipart (cut short, no
 * boundary, garbage) is the client's 400 MALFORMED_MULTIPART, not our 500. Fastify's own limit
 * errors (file too large, too many parts) keep their codes.
 */
export async function* multipartParts(request: FastifyRequest): AsyncGenerator<Multipart> {
  const parts = request.parts()[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      if (typeof (error as { code?: unknown }).code === 'string' || error instanceof AppError) throw error;
      throw new MalformedMultipart(`The multipart body could not be read: ${error instanceof Error ? error.message : 'malformed'}.`);
    }
    if (next.done) return;
    yield next.value;
  }
}
