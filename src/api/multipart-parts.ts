import { PassThrough, finished } from 'node:stream';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';
import { BusinessUnit } from './schemas/common.schema.js';
import { NAME_FIELDS, normalizeName } from '../core/display-name.js';
import { AppError } from '../errors/app-error.js';

export class MalformedMultipart extends AppError {
  readonly status = 400;
  readonly code = 'MALFORMED_MULTIPART';
}

export class RequestAborted extends AppError {
  readonly status = 400;
  readonly code = 'REQUEST_ABORTED';
}

/**
 * The parts of a multipart request, where a body that is not valid multipart (cut short, no
 * boundary, garbage) or a request the client abandoned is the client's 400, not our 500 — also
 * when it shows while a file part is being read: busboy destroys the file stream with a plain
 * Error ("Unexpected end of multipart data"), which would reach the error handler as unknown.
 * Fastify's own limit errors (file too large, too many parts) keep their codes. Name fields are
 * normalised as they are in JSON bodies (core/display-name.ts), and a valid `businessUnit` made the
 * canonical name of the unit it means (`addsUnit`: an admin's new name adds the unit), as the
 * JSON routes' is (api/plugins/unit-names.ts).
 */
export async function* multipartParts(request: FastifyRequest, options: { addsUnit: boolean }): AsyncGenerator<Multipart> {
  const parts = request.parts()[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      throw asClientError(error);
    }
    if (next.done) return;
    const part = next.value;
    if (part.type === 'file') yield { ...part, file: new GuardedFile(part.file) };
    else if (NAME_FIELDS.has(part.fieldname) && typeof part.value === 'string') {
      const value = normalizeName(part.value);
      // An invalid name is left for the route's validation to refuse: it never reaches the store.
      const valid = part.fieldname === 'businessUnit' && Value.Check(BusinessUnit, value);
      yield { ...part, value: valid ? await request.resolveUnit(value, options.addsUnit) : value };
    }
    else yield part;
  }
}

/** A parser or stream error a client caused, as the 4xx it is; our own and Fastify's 4xx pass as they are. */
export function asClientError(error: unknown): Error {
  if (error instanceof AppError) return error;
  const { statusCode, code } = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  if (error instanceof Error && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return error;
  const message = error instanceof Error ? error.message : 'malformed';
  if (code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE' || message === 'aborted') {
    return new RequestAborted('The request was aborted before its body was complete.');
  }
  return new MalformedMultipart(`The multipart body could not be read: ${message}.`);
}

/** A file part's stream whose errors are client errors (see asClientError); destroying it stops the part. */
class GuardedFile extends PassThrough {
  constructor(private readonly source: MultipartFile['file']) {
    super();
    // The part may reach us already failed (busboy parses what has arrived before we get the part):
    // finished() reports that too, where an 'error' listener added now would never hear it.
    finished(source, (error) => {
      if (error) this.destroy(asClientError(error));
    });
    source.pipe(this);
    // A route may refuse the request before it reads the file (it judges the fields first), so
    // nobody may be listening when the part fails: without a listener that 'error' would be an
    // uncaught exception and end the process. A reader still gets the error: a destroyed stream
    // keeps it (`errored`), and pipeline() and async iteration report it.
    this.on('error', () => undefined);
    this.once('close', () => {
      if (!source.readableEnded && !source.destroyed) source.destroy();
    });
  }

  get truncated(): boolean {
    return this.source.truncated;
  }

  get bytesRead(): number {
    return this.source.bytesRead;
  }
}
