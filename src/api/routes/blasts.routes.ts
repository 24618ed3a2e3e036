import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { BlastControl } from '../../blasts/blast-control.js';
import type { BlastService, CreateBlastInput } from '../../blasts/blast.service.js';
import type { Blast } from '../../core/blast.js';
import { MAX_BUCKET_SECONDS, MAX_BUCKETS, TARGET_BUCKETS } from '../../core/blast-timeline.js';
import { RECIPIENT_STATUSES } from '../../core/blast.js';
import { ValidationFailed } from '../../errors/app-error.js';
import type { StagedBlob } from '../../store/blob.repository.js';
import type { ApiServer } from '../server-types.js';
import { multipartParts } from '../multipart-parts.js';
import { errorResponses, Offset, StringEnum } from '../schemas/common.schema.js';
import { BlastFields, BlastQuery, BlastRecipientItem, BlastReplyItem, BlastSegments, BlastUploadBody, ReportQuery } from '../schemas/blast.schema.js';

const BlastRef = Type.Unsafe({ $ref: 'Blast#' });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const tags = ['Blasts'];
const errorRef = (description: string) => Type.Unsafe({ $ref: 'ErrorResponse#', description });

/** The blast as the API shows it: its figures at the top level, as in blast:progress. */
export function blastView(blast: Blast, control: BlastControl) {
  const { media, figures, ...rest } = blast;
  const progress = control.progressOf(blast, blast.startedAt === null ? [] : [{ atMs: Date.parse(blast.startedAt), done: 0 }]);
  return {
    ...rest,
    media,
    ...figures,
    followUp: blast.followUp && { ...blast.followUp, waitingForParent: blast.status === 'scheduled' && blast.scheduledAt === null },
    ratePerMinute: blast.status === 'running' ? progress.ratePerMinute : null,
    eta: blast.status === 'running' ? progress.eta : null,
  };
}

export function blastsRoutes(blasts: BlastService, control: BlastControl) {
  const view = (blast: Blast) => blastView(blast, control);
  return function register(app: ApiServer): void {
    app.post(
      '/blasts',
      {
        schema: {
          tags,
          summary: 'Create a blast: a paced, personalised campaign from one or more sessions; answers 202 at once',
          description:
            'multipart/form-data (as documented) or a JSON body with listId. The recipients come from listId or from a recipientsFile ' +
            'imported first. Follow GET /api/blasts/{id} or the WebSocket (GET /api/ws-ticket?blastId=…). Errors: 404 SESSION_NOT_FOUND / LIST_NOT_FOUND, ' +
            '409 SESSION_NOT_LINKED / LIST_FAILED, 422 SESSION_OTHER_UNIT / TEMPLATE_UNKNOWN_VARIABLES / MESSAGE_TOO_LONG / LIST_EMPTY, 400 TEMPLATE_SYNTAX / ' +
            'TEMPLATE_TOO_LONG / RECIPIENTS_REQUIRED / SCHEDULE_IN_PAST / SCHEDULE_TOO_FAR / VALIDATION_FAILED, 413 UPLOAD_TOO_LARGE / MEDIA_TOO_LARGE, 408 UPLOAD_TOO_SLOW (a file still coming after an hour), 415 UNSUPPORTED_FILE_TYPE / ' +
            'UNSUPPORTED_MEDIA_TYPE. With a recipientsFile, a variable the file lacks fails the blast (status failed, error TEMPLATE_UNKNOWN_VARIABLES) ' +
            'once imported, before anything is sent. WhatsApp takes 65,536 characters in a text and 1,024 in a caption (with media): a message ' +
            'longer than that on its own is TEMPLATE_TOO_LONG; one the longest values of a ready list can make longer is MESSAGE_TOO_LONG; ' +
            'a row of a file uploaded with the blast whose message is longer fails alone (reason MESSAGE_TOO_LONG) and the others are sent. ' +
            'A follow-up gives followUpOf (an earlier blast) and segment instead of listId/recipientsFile, and optionally after (ISO 8601 duration): ' +
            "it waits (status scheduled, followUp.waitingForParent) for the parent to end (completed or cancelled), then starts at its end plus after, " +
            "and its recipients are the parent's segment as the ledger stands at that start, with the parent's list columns as variables. " +
            'Segment errors: 400 SEGMENT_REQUIRED / UNKNOWN_SEGMENT / SEGMENT_WITHOUT_FOLLOW_UP / AFTER_WITHOUT_FOLLOW_UP / FOLLOW_UP_WITH_RECIPIENTS / ' +
            'SCHEDULED_AT_ON_FOLLOW_UP / INVALID_DURATION / AFTER_TOO_FAR, 404 PARENT_NOT_FOUND, 409 PARENT_FAILED (it failed before sending anything) / ' +
            "PARENT_LIST_DELETED, 422 PARENT_OTHER_UNIT. At its start an empty segment fails the follow-up with SEGMENT_EMPTY; a parent gone or failed " +
            'before sending anything fails it with PARENT_NOT_FOUND / PARENT_FAILED. stopOnReply (any blast) skips, with reason REPLIED, a recipient ' +
            "who replied after the blast was created: to one of the blast's sessions, or (a follow-up) a reply attributed to the parent.",
          // Each content type its own schema: the form's fields are text, the JSON body's are JSON types.
          body: { content: { 'multipart/form-data': { schema: BlastUploadBody }, 'application/json': { schema: BlastFields } } },
          response: {
            202: Type.Object({ blastId: Type.String(), status: Type.String() }),
            ...errorResponses(400, 401, 403, 404, 409),
            413: errorRef('UPLOAD_TOO_LARGE or MEDIA_TOO_LARGE.'),
            415: errorRef('UNSUPPORTED_FILE_TYPE or UNSUPPORTED_MEDIA_TYPE.'),
            422: errorRef('TEMPLATE_UNKNOWN_VARIABLES, MESSAGE_TOO_LONG, SESSION_OTHER_UNIT, LIST_OTHER_UNIT, LIST_EMPTY, PARENT_OTHER_UNIT.'),
          },
        },
        // Multipart bodies are streamed and checked below; the schema above is the documentation.
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const files: Files = {};
        try {
          const input = request.isMultipart() ? await readMultipart(request, blasts, files) : fromFields(checkFields(request.body));
          const blast = await blasts.create(request.principal, input, request.id);
          return await reply.code(202).send({ blastId: blast.id, status: blast.status });
        } catch (error) {
          // A refused request leaves no file behind (those already committed are a list's or the blast's).
          await blasts.discard([files.recipients?.blob, files.media?.blob]);
          throw error;
        }
      },
    );

    app.get(
      '/blasts',
      {
        schema: {
          tags,
          summary: 'Blasts visible to this key, newest first; filter by status, session, unit',
          querystring: BlastQuery,
          response: { 200: Type.Object({ items: Type.Array(BlastRef), total: Type.Integer() }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const page = await blasts.list(request.principal, request.query);
        return { items: page.items.map(view), total: page.total };
      },
    );

    app.get(
      '/blasts/:id',
      {
        schema: {
          tags,
          summary: 'A blast: status, figures (total, sent, failed, skipped, delivered, read, replied, replyRate, pending), rate and ETA',
          params: IdParams,
          response: { 200: BlastRef, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => view(await blasts.get(request.principal, request.params.id)),
    );

    for (const action of ['pause', 'resume', 'cancel'] as const) {
      app.post(
        `/blasts/:id/${action}`,
        {
          schema: {
            tags,
            summary: {
              pause: 'Pause a scheduled or running blast (the message in hand is finished)',
              resume: 'Resume a paused blast (also gives sessions paused by a restriction another go)',
              cancel: 'Cancel a blast: recipients not yet sent are skipped (CANCELLED); a scheduled one never starts',
            }[action],
            params: IdParams,
            response: { 200: BlastRef, ...errorResponses(400, 401, 404, 409) },
          },
        },
        async (request) => view(await blasts[action](request.principal, request.params.id)),
      );
    }

    app.get(
      '/blasts/:id/recipients',
      {
        schema: {
          tags,
          summary: 'Per-recipient outcomes, in list order: status, reason, timestamps',
          params: IdParams,
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 100 }),
              offset: Offset,
              status: Type.Optional(StringEnum(RECIPIENT_STATUSES)),
              replied: Type.Optional(Type.Boolean({ description: 'true: only recipients who replied; false: only those who did not.' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(BlastRecipientItem), total: Type.Integer() }), ...errorResponses(400, 401, 404) },
        },
      },
      (request) => blasts.recipients(request.principal, request.params.id, request.query),
    );

    app.get(
      '/blasts/:id/segments',
      {
        schema: {
          tags,
          summary: "How many of the blast's recipients each follow-up segment holds now (one grouped count of its ledger)",
          description:
            'The sizes a follow-up (POST /api/blasts with followUpOf and segment) would get if it started now; a follow-up takes its segment ' +
            'when it starts, so receipts and replies arriving meanwhile move recipients between segments. Skipped recipients are in none.',
          params: IdParams,
          response: { 200: BlastSegments, ...errorResponses(400, 401, 404) },
        },
      },
      (request) => blasts.segments(request.principal, request.params.id),
    );

    app.get(
      '/blasts/:id/replies',
      {
        schema: {
          tags,
          summary: "Replies attributed to the blast, oldest first, each with its recipient's row and list columns",
          description:
            'Every message a recipient sent to the session that messaged them, within REPLY_ATTRIBUTION_HOURS of the send, and kept ' +
            'REPLY_RETENTION_DAYS (older ones are purged; the figures and each row\'s first reply stay). A reply goes to the most ' +
            'recent blast that messaged that number from that session.',
          params: IdParams,
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 100 }),
              offset: Offset,
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(BlastReplyItem), total: Type.Integer() }), ...errorResponses(400, 401, 404) },
        },
      },
      (request) => blasts.replies(request.principal, request.params.id, request.query),
    );

    app.get(
      '/blasts/:id/timeline',
      {
        schema: {
          tags,
          summary: 'Sends, failures, deliveries, reads and replies per time bucket, for a chart of the blast over time',
          description:
            'Counted from the ledger: sent at sentAt, failed at the time its send began, delivered and read at their receipts, ' +
            "replied at each recipient's first reply. " +
            'From the start to now while running or paused, else to the last outcome or receipt. Buckets start on whole multiples ' +
            `of bucketSeconds (Unix time); by default the smallest round size giving at most ${TARGET_BUCKETS} buckets. A size making more ` +
            `than ${MAX_BUCKETS} buckets is raised (the answer says which was used). No points before the blast started.`,
          params: IdParams,
          querystring: Type.Object(
            { bucket: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BUCKET_SECONDS, description: 'Bucket size in seconds.' })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              bucketSeconds: Type.Integer(),
              from: Type.String({ format: 'date-time', description: "The first bucket's start." }),
              to: Type.String({ format: 'date-time', description: "The last bucket's end (exclusive)." }),
              points: Type.Array(
                Type.Object({
                  at: Type.String({ format: 'date-time', description: "The bucket's start." }),
                  sent: Type.Integer(),
                  failed: Type.Integer(),
                  delivered: Type.Integer(),
                  read: Type.Integer(),
                  replied: Type.Integer({ description: 'Recipients whose first reply came in this bucket.' }),
                }),
              ),
            }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      (request) => blasts.timeline(request.principal, request.params.id, request.query.bucket),
    );

    for (const format of ['csv', 'xlsx'] as const) {
      app.get(
        `/blasts/:id/report.${format}`,
        {
          schema: {
            tags,
            summary: `The report as ${format.toUpperCase()}, streamed: one line per row of the uploaded sheet (rejected rows included), with the list's columns; cells starting with = + - @ are escaped`,
            params: IdParams,
            querystring: ReportQuery,
            response: { 200: Type.String({ format: 'binary' }), ...errorResponses(400, 401, 404) },
          },
        },
        async (request, reply) => {
          const report = await blasts.report(request.principal, request.params.id, format, request.query.timeZone);
          return reply
            .type(report.contentType)
            .header('content-disposition', `attachment; filename="${report.fileName}"`)
            .send(report.stream);
        },
      );
    }
  };
}

type Fields = Static<typeof BlastFields>;

function checkFields(body: unknown): Fields {
  if (!Value.Check(BlastFields, body)) {
    const details = [...Value.Errors(BlastFields, body)].map((error) => {
      const extra = (error.params as { additionalProperties?: unknown }).additionalProperties;
      const field = error.instancePath.replace(/^\//, '') || (Array.isArray(extra) ? extra.map(String).join(', ') : 'body');
      return { field, message: Array.isArray(extra) ? 'is not a known field' : error.message };
    });
    throw new ValidationFailed('The blast fields are invalid.', details);
  }
  return body;
}

interface Files {
  recipients?: { blob: StagedBlob; fileName: string };
  media?: { blob: StagedBlob; fileName: string };
}

function fromFields(fields: Fields, files: Files = {}): CreateBlastInput {
  const sessionIds = [...(fields.sessionId === undefined ? [] : [fields.sessionId]), ...(fields.sessionIds ?? [])];
  return {
    name: fields.name,
    sessionIds,
    message: fields.message,
    listId: fields.listId,
    recipientsFile: files.recipients && { ...files.recipients, phoneColumn: fields.phoneColumn, defaultCountry: fields.defaultCountry, encoding: fields.encoding },
    media: files.media,
    scheduledAt: fields.scheduledAt,
    checkNumbers: fields.checkNumbers,
    typing: fields.typing,
    pacing: fields.pacing,
    businessUnit: fields.businessUnit,
    followUpOf: fields.followUpOf,
    segment: fields.segment,
    after: fields.after,
    stopOnReply: fields.stopOnReply,
  };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** Multipart text fields into the JSON shape: booleans, the sessionIds list, the pacing JSON. */
function convertFields(raw: Map<string, string[]>): unknown {
  const out: Record<string, unknown> = {};
  const problems: { field: string; message: string }[] = [];
  for (const [name, values] of raw) {
    const value = values[values.length - 1] ?? '';
    switch (name) {
      case 'checkNumbers':
      case 'stopOnReply':
      case 'typing': {
        const lowered = value.trim().toLowerCase();
        if (TRUE.has(lowered)) out[name] = true;
        else if (FALSE.has(lowered)) out[name] = false;
        else problems.push({ field: name, message: 'must be true or false' });
        break;
      }
      case 'sessionIds':
        out[name] = values.flatMap((entry) => {
          const trimmed = entry.trim();
          if (trimmed.startsWith('[')) {
            try {
              const parsed = JSON.parse(trimmed) as unknown;
              return Array.isArray(parsed) ? parsed.map(String) : [trimmed];
            } catch {
              problems.push({ field: name, message: 'is not a valid JSON array' });
              return [];
            }
          }
          return trimmed.split(',').map((id) => id.trim()).filter((id) => id !== '');
        });
        break;
      case 'pacing':
        try {
          out[name] = JSON.parse(value) as unknown;
        } catch {
          problems.push({ field: name, message: 'must be a JSON object' });
        }
        break;
      default:
        out[name] = value;
    }
  }
  if (problems.length > 0) throw new ValidationFailed('The blast fields are invalid.', problems);
  return out;
}

/**
 * Stages each file as it arrives (into `files`, for the caller to discard if the request is
 * refused) and collects the text fields, in whatever order they come. The fields sent before a
 * file are checked before it is read (sessions, unit, permission), so most refusals read nothing.
 */
async function readMultipart(request: FastifyRequest, blasts: BlastService, files: Files): Promise<CreateBlastInput> {
  const raw = new Map<string, string[]>();
  for await (const part of multipartParts(request, { addsUnit: false })) {
    if (part.type === 'file') {
      const fileName = part.filename.slice(0, 255) || 'upload';
      const wanted = (part.fieldname === 'recipientsFile' && !files.recipients) || (part.fieldname === 'media' && !files.media);
      try {
        if (!wanted) throw new ValidationFailed('Send at most one recipientsFile and one media file.', [{ field: part.fieldname, message: 'unexpected file' }]);
        // The fields so far: unchecked yet, and some may still come.
        const sent = convertFields(raw) as Partial<Fields>;
        const sessionIds = [...(sent.sessionId === undefined ? [] : [sent.sessionId]), ...(sent.sessionIds ?? [])].map(String);
        await blasts.precheck(request.principal, { sessionIds, businessUnit: typeof sent.businessUnit === 'string' ? sent.businessUnit : undefined });
      } catch (error) {
        part.file.resume();
        throw error;
      }
      if (part.fieldname === 'recipientsFile') {
        files.recipients = { blob: await blasts.stageRecipientsFile(part.file, fileName), fileName };
      } else {
        files.media = { blob: await blasts.stageMedia(part.file), fileName };
      }
    } else {
      const values = raw.get(part.fieldname) ?? [];
      values.push(typeof part.value === 'string' ? part.value : String(part.value));
      raw.set(part.fieldname, values);
    }
  }
  return fromFields(checkFields(convertFields(raw)), files);
}
