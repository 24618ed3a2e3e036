import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { ValidationFailed } from '../../errors/app-error.js';
import type { ListPurpose } from '../../core/recipient-list.js';
import type { ListService } from '../../lists/list.service.js';
import { UploadRejected } from '../../lists/upload-check.js';
import type { StagedBlob } from '../../store/blob.repository.js';
import type { ApiServer } from '../server-types.js';
import { multipartParts } from '../multipart-parts.js';
import { BusinessUnit, errorResponses, StringEnum } from '../schemas/common.schema.js';
import { ListFields, ListUploadBody, Page, RecipientItem, RejectItem } from '../schemas/list.schema.js';

const ListRef = Type.Unsafe({ $ref: 'List#' });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const tags = ['Lists'];

export function listsRoutes(lists: ListService) {
  return function register(app: ApiServer): void {
    registerListUpload(app, lists, {
      url: '/lists',
      tags,
      purpose: 'recipients',
      summary: 'Upload a recipient list (.xlsx or .csv); the import runs in the background',
      description:
        'Answers 202 at once with the list id; follow GET /api/lists/{id} (or list:progress on the WebSocket) until status is ready or failed. ' +
        'Errors: 413 UPLOAD_TOO_LARGE, 408 UPLOAD_TOO_SLOW (a file still coming after an hour), 415 UNSUPPORTED_FILE_TYPE (by content, not name; a CSV in a legacy code page needs its encoding field), 400 FILE_REQUIRED / VALIDATION_FAILED. ' +
        'File problems found while reading (NO_PHONE_COLUMN, ZIP_BOMB, TOO_MANY_ROWS, CORRUPT_FILE…) fail the list with that code.',
    });

    app.get(
      '/lists',
      {
        schema: {
          tags,
          summary: 'Lists visible to this key, newest first',
          querystring: Type.Object(
            {
              ...Page.properties,
              businessUnit: Type.Optional(BusinessUnit),
              status: Type.Optional(StringEnum(['importing', 'ready', 'failed'] as const, { description: 'Only lists in this state, e.g. ready ones to send to.' })),
              purpose: Type.Optional(StringEnum(['recipients', 'suppression'] as const, { description: 'recipients (blast lists) or suppression (opt-out sheets).' })),
              origin: Type.Optional(
                StringEnum(['upload', 'blast'] as const, { description: 'upload: lists uploaded on their own (what a list picker offers); blast: those made from a file uploaded with a blast.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(ListRef), total: Type.Integer() }), ...errorResponses(400, 401) },
        },
      },
      (request) => lists.list(request.principal, request.query),
    );

    app.get(
      '/lists/:id',
      {
        schema: {
          tags,
          summary: 'A list: status, counts (growing while importing), columns usable as variables',
          params: IdParams,
          response: { 200: ListRef, ...errorResponses(400, 401, 404) },
        },
      },
      (request) => lists.get(request.principal, request.params.id),
    );

    app.get(
      '/lists/:id/recipients',
      {
        schema: {
          tags,
          summary: 'The recipients of a list, in sheet order',
          params: IdParams,
          querystring: Page,
          response: { 200: Type.Object({ items: Type.Array(RecipientItem), total: Type.Integer() }), ...errorResponses(400, 401, 404) },
        },
      },
      (request) => lists.recipients(request.principal, request.params.id, request.query),
    );

    app.get(
      '/lists/:id/rejects',
      {
        schema: {
          tags,
          summary: 'Rows that were not taken, with the sheet row number and the reason',
          params: IdParams,
          querystring: Page,
          response: { 200: Type.Object({ items: Type.Array(RejectItem), total: Type.Integer() }), ...errorResponses(400, 401, 404) },
        },
      },
      (request) => lists.rejects(request.principal, request.params.id, request.query),
    );

    app.delete(
      '/lists/:id',
      {
        schema: {
          tags,
          summary: 'Delete a list and its recipients',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        await lists.delete(request.principal, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}

/** A multipart upload that becomes a list (of recipients, or of opt-outs) and answers 202. */
export function registerListUpload(
  app: ApiServer,
  lists: ListService,
  route: { url: string; tags: string[]; summary: string; description: string; purpose: ListPurpose },
): void {
  app.post(
    route.url,
    {
      schema: {
        tags: route.tags,
        summary: route.summary,
        description: route.description,
        consumes: ['multipart/form-data'],
        body: ListUploadBody,
        response: {
          202: Type.Object({ listId: Type.String(), status: Type.String() }),
          ...errorResponses(400, 401, 403),
          413: Type.Unsafe({ $ref: 'ErrorResponse#' }),
          415: Type.Unsafe({ $ref: 'ErrorResponse#' }),
        },
      },
      // The body is a stream read below; its schema is for the documentation only.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const upload: { staged?: StagedBlob } = {};
      try {
        const { fields, blob, fileName } = await readUpload(request, lists, upload);
        const created = await lists.create(request.principal, { ...fields, purpose: route.purpose }, blob, fileName, request.id);
        return await reply.code(202).send({ listId: created.id, status: created.status });
      } catch (error) {
        // A refused upload leaves nothing behind (an accepted one is a blob already: nothing to discard).
        if (upload.staged) await lists.discardUpload(upload.staged);
        throw error;
      }
    },
  );
}

/**
 * Stages the file part and collects the text fields, in whatever order they come. The fields
 * sent before the file are checked before it is read (unit, permission, values), so most refusals
 * read nothing; the rest are checked once all has come, and the staged file is then the caller's
 * to commit or discard (`upload.staged`).
 */
async function readUpload(
  request: FastifyRequest,
  lists: ListService,
  upload: { staged?: StagedBlob },
): Promise<{ fields: Record<string, string>; blob: StagedBlob; fileName: string }> {
  if (!request.isMultipart()) {
    throw new UploadRejected('UNSUPPORTED_FILE_TYPE', 'Send multipart/form-data with the spreadsheet in the "file" field.', 415);
  }
  const fields: Record<string, string> = {};
  let blob: StagedBlob | undefined;
  let fileName = '';
  for await (const part of multipartParts(request, { addsUnit: true })) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || blob !== undefined) {
        part.file.resume();
        throw new ValidationFailed('Send one file, in the "file" field.', [{ field: part.fieldname, message: 'unexpected file' }]);
      }
      fileName = part.filename.slice(0, 255) || 'upload';
      try {
        checkFields(fields, true);
        lists.precheck(request.principal, fields);
      } catch (error) {
        part.file.resume();
        throw error;
      }
      blob = await lists.stageUpload({ stream: part.file, fileName });
      upload.staged = blob;
    } else {
      fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
    }
  }
  if (blob === undefined) throw new UploadRejected('FILE_REQUIRED', 'Attach the spreadsheet in the "file" field.', 400);
  checkFields(fields, false);
  return { fields, blob, fileName };
}

/** The text fields against their schema; `partial`: some may still come, so a missing one is no error. */
function checkFields(fields: Record<string, string>, partial: boolean): void {
  if (Value.Check(ListFields, fields)) return;
  const details = [...Value.Errors(ListFields, fields)].flatMap((error) => {
    if (partial && error.keyword === 'required') return [];
    const extra = (error.params as { additionalProperties?: unknown }).additionalProperties;
    const field = error.instancePath.replace(/^\//, '') || (Array.isArray(extra) ? extra.map(String).join(', ') : 'fields');
    return [{ field, message: Array.isArray(extra) ? 'is not a known field' : error.message }];
  });
  if (details.length > 0) throw new ValidationFailed('The list fields are invalid.', details);
}
