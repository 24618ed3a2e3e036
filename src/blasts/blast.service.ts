import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { canSee, scopedUnit, assertCanWriteUnit, type Principal } from '../auth/principal.js';
import type { Blast, FollowUpOf, FollowUpSegment, RecipientStatus } from '../core/blast.js';
import { DurationError, isSegment, parseAfter, segmentSizes } from '../core/follow-up.js';
import { FOLLOW_UP_SEGMENTS } from '../core/blast.js';
import type { BlastStatus } from '../core/blast-state.js';
import { clampBucket, timelineRange } from '../core/blast-timeline.js';
import { sniffMedia } from '../core/media-type.js';
import { pacingProblems, tightenPacing, defaultPacing, type PacingPolicy } from '../core/pacing.js';
import { assertMessageFits, longestValues } from '../core/message-length.js';
import { checksNumbersByDefault } from '../core/number-check.js';
import type { ListReject } from '../core/recipient-list.js';
import type { SessionRef } from '../core/session-config.js';
import { canonicalTimeZone } from '../core/time-zone.js';
import { assertKnownVariables, compileTemplate } from '../core/template.js';
import { AppError, Conflict, NotFound, SessionNotFound, ValidationFailed, type ErrorStatus } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import type { ListService } from '../lists/list.service.js';
import { enqueue, type Queues } from '../queue/queues.js';
import { reportHeader, reportRows } from '../reports/blast-report.js';
import { csvReport, xlsxReport } from '../reports/report-writers.js';
import { BlobTooLarge, type StagedBlob } from '../store/blob.repository.js';
import type { Store } from '../store/store.js';
import type { BlastControl } from './blast-control.js';
import { BUILT_IN_VARIABLES } from './prepare-blast.js';

export const MAX_SESSIONS_PER_BLAST = 20;
const MAX_SCHEDULE_AHEAD_MS = 366 * 86_400_000;

export class BlastNotFound extends NotFound {
  constructor(id: string) {
    super('BLAST_NOT_FOUND', `Blast "${id}" does not exist.`);
  }
}

export class BlastRefused extends AppError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: ErrorStatus,
    details?: unknown,
  ) {
    super(message, details);
  }
}

/**
 * When a blast scheduled at `scheduledAt` starts (ms): in the future, at most a year ahead. Up to
 * `pastToleranceMs` in the past counts as now (an estimate asked from a form open for a while).
 */
export function scheduledStart(scheduledAt: string, nowMs: number, pastToleranceMs: number): number {
  const at = Date.parse(scheduledAt);
  if (Number.isNaN(at)) throw new ValidationFailed('The blast request is invalid.', [{ field: 'scheduledAt', message: 'must be an ISO 8601 date-time' }]);
  if (at <= nowMs - pastToleranceMs) {
    throw new BlastRefused('SCHEDULE_IN_PAST', `scheduledAt ${scheduledAt} is in the past; omit it to start at once.`, 400);
  }
  if (at - nowMs > MAX_SCHEDULE_AHEAD_MS) throw new BlastRefused('SCHEDULE_TOO_FAR', `scheduledAt ${scheduledAt} is more than a year ahead.`, 400);
  return Math.max(at, nowMs);
}

export interface CreateBlastInput {
  name?: string | undefined;
  sessionIds: string[];
  message: string;
  listId?: string | undefined;
  /** A spreadsheet uploaded with the blast: it becomes a list first. */
  recipientsFile?: { blob: StagedBlob; fileName: string; phoneColumn?: string | undefined; defaultCountry?: string | undefined; encoding?: string | undefined } | undefined;
  media?: { blob: StagedBlob; fileName: string } | undefined;
  scheduledAt?: string | undefined;
  checkNumbers?: boolean | undefined;
  typing?: boolean | undefined;
  pacing?: Partial<PacingPolicy> | undefined;
  businessUnit?: string | undefined;
  /** A follow-up: the recipients are this blast's `segment`, taken when it starts (instead of listId or a file). */
  followUpOf?: string | undefined;
  segment?: string | undefined;
  /** ISO 8601 duration after the parent's end (instead of scheduledAt). */
  after?: string | undefined;
  stopOnReply?: boolean | undefined;
}

export interface BlastListFilter {
  status?: BlastStatus | undefined;
  sessionId?: string | undefined;
  businessUnit?: string | undefined;
  limit: number;
  offset: number;
}

export interface TimelinePoint {
  /** The bucket's start (ISO 8601). */
  at: string;
  sent: number;
  failed: number;
  delivered: number;
  read: number;
  /** Recipients whose first reply came in this bucket. */
  replied: number;
}

export interface BlastTimeline {
  bucketSeconds: number;
  /** The first bucket's start. */
  from: string;
  /** The last bucket's end (exclusive). */
  to: string;
  /** One per bucket from `from` to `to`, empty ones included; none before the blast started. */
  points: TimelinePoint[];
}

/**
 * Blasts as the api sees them: checks everything that can be checked before answering (sessions,
 * list, message variables, media type, schedule), stores the blast and hands it to the worker.
 * A blast is visible to keys of its business unit.
 */
export function createBlastService(deps: {
  store: Store;
  lists: ListService;
  control: BlastControl;
  queues: Queues;
  clock: Clock;
  mediaMaxBytes: number;
}) {
  const { store, control, clock } = deps;
  /**
   * Timelines recently computed, per blast and bucket size. Counting a 1M-recipient ledger takes
   * ~1.2 s of SQLite (synchronous: the api's event loop waits), and every open blast page asks
   * every few seconds; an answer is reused for ten times what it cost (at least 2 s), so charts
   * cost at most ~10 % of a process whatever the number of viewers.
   */
  const timelines = new Map<string, { expiresAt: number; value: BlastTimeline }>();
  /** Segment sizes recently counted, per blast (see segments). */
  const segmentCounts = new Map<string, { expiresAt: number; value: Record<FollowUpSegment, number> }>();

  /** Sends, failures and receipts per bucket, from the blast's start to now (or to its last activity). */
  async function computeTimeline(blast: Blast, bucketSeconds: number | undefined): Promise<BlastTimeline> {
    const startMs = Date.parse(blast.startedAt ?? blast.createdAt);
    let endMs = startMs;
    if (blast.startedAt !== null) {
      if (blast.status === 'running' || blast.status === 'paused') endMs = clock.now().getTime();
      else {
        const last = await store.blasts.lastActivity(blast.id);
        endMs = Math.max(Date.parse(blast.completedAt ?? blast.updatedAt), last === null ? startMs : Date.parse(last));
      }
    }
    const range = timelineRange(startMs / 1_000, Math.max(startMs, endMs) / 1_000, bucketSeconds);
    const iso = (seconds: number): string => new Date(seconds * 1_000).toISOString();
    const window = { bucketSeconds: range.bucketSeconds, from: iso(range.fromSeconds), to: iso(range.fromSeconds + range.count * range.bucketSeconds) };
    if (blast.startedAt === null) return { ...window, points: [] };
    const points: TimelinePoint[] = Array.from({ length: range.count }, (_, index) => ({
      at: iso(range.fromSeconds + index * range.bucketSeconds),
      sent: 0,
      failed: 0,
      delivered: 0,
      read: 0,
      replied: 0,
    }));
    for (const bucket of await store.blasts.timeline(blast.id, { fromSeconds: range.fromSeconds, bucketSeconds: range.bucketSeconds })) {
      const point = points[clampBucket(bucket.index, range)];
      if (!point) continue;
      point.sent += bucket.sent;
      point.failed += bucket.failed;
      point.delivered += bucket.delivered;
      point.read += bucket.read;
      point.replied += bucket.replied;
    }
    return { ...window, points };
  }

  async function visible(principal: Principal, id: string): Promise<Blast> {
    const blast = await store.blasts.get(id);
    if (!blast || !canSee(principal, blast.businessUnit)) throw new BlastNotFound(id);
    return blast;
  }

  /** The blast's unit, and its sessions as they are now (the blast is bound to these very sessions). */
  async function checkSessions(
    principal: Principal,
    sessionIds: string[],
    unit: string | undefined,
  ): Promise<{ businessUnit: string; sessions: SessionRef[]; checksNumbers: boolean }> {
    const problems: { field: string; message: string }[] = [];
    if (sessionIds.length === 0) problems.push({ field: 'sessionId', message: 'give sessionId or sessionIds' });
    if (sessionIds.length > MAX_SESSIONS_PER_BLAST) problems.push({ field: 'sessionIds', message: `at most ${MAX_SESSIONS_PER_BLAST} sessions` });
    if (problems.length > 0) throw new ValidationFailed('The blast request is invalid.', problems);
    let businessUnit = unit;
    const sessions: SessionRef[] = [];
    let checksNumbers = false;
    for (const id of sessionIds) {
      const config = await store.sessions.get(id);
      if (!config || !canSee(principal, config.businessUnit)) throw new SessionNotFound(id);
      sessions.push({ id: config.id, uid: config.uid });
      checksNumbers ||= checksNumbersByDefault(config);
      businessUnit ??= config.businessUnit;
      if (config.businessUnit !== businessUnit) {
        throw new BlastRefused('SESSION_OTHER_UNIT', `Session "${id}" belongs to business unit "${config.businessUnit}", not "${businessUnit}".`, 422, { sessionId: id });
      }
      if ((await store.sessions.linkedAt(id)) === null) {
        throw new BlastRefused('SESSION_NOT_LINKED', `Session "${id}" has no linked WhatsApp account yet: connect it and scan the QR code first.`, 409, { sessionId: id });
      }
    }
    if (businessUnit === undefined) throw new ValidationFailed('The blast request is invalid.', [{ field: 'sessionIds', message: 'required' }]);
    assertCanWriteUnit(principal, businessUnit);
    return { businessUnit, sessions, checksNumbers };
  }

  function checkSchedule(scheduledAt: string | undefined): string | null {
    if (scheduledAt === undefined) return null;
    return new Date(scheduledStart(scheduledAt, clock.now().getTime(), 0)).toISOString();
  }

  function checkPacing(pacing: Partial<PacingPolicy> | undefined): Partial<PacingPolicy> | null {
    if (pacing === undefined) return null;
    const problems = pacingProblems(tightenPacing(defaultPacing('sandbox'), pacing));
    if (problems.length > 0) throw new ValidationFailed('The blast pacing is invalid.', problems.map((message) => ({ field: 'pacing', message })));
    return pacing;
  }

  /**
   * A follow-up's fields, checked in the order a user can fix them; its parent must be visible to
   * the key (else 404 as if absent), and the follow-up goes to the parent's unit and list.
   */
  async function checkFollowUp(principal: Principal, input: CreateBlastInput): Promise<{ parent: Blast; followUp: FollowUpOf } | undefined> {
    if (input.followUpOf === undefined) {
      if (input.segment !== undefined) throw new BlastRefused('SEGMENT_WITHOUT_FOLLOW_UP', 'segment picks recipients of an earlier blast: give that blast as followUpOf.', 400);
      if (input.after !== undefined) throw new BlastRefused('AFTER_WITHOUT_FOLLOW_UP', 'after counts from the end of the blast given as followUpOf; to start a blast later give scheduledAt.', 400);
      return undefined;
    }
    if (input.listId !== undefined || input.recipientsFile !== undefined) {
      throw new BlastRefused('FOLLOW_UP_WITH_RECIPIENTS', "A follow-up's recipients are a segment of its parent's: give followUpOf and segment, not listId or a recipientsFile.", 400);
    }
    if (input.segment === undefined) throw new BlastRefused('SEGMENT_REQUIRED', `A follow-up needs a segment: one of ${FOLLOW_UP_SEGMENTS.join(', ')}.`, 400);
    if (!isSegment(input.segment)) throw new BlastRefused('UNKNOWN_SEGMENT', `segment must be one of ${FOLLOW_UP_SEGMENTS.join(', ')}.`, 400, { allowed: FOLLOW_UP_SEGMENTS });
    const segment: FollowUpSegment = input.segment;
    if (input.scheduledAt !== undefined) {
      throw new BlastRefused('SCHEDULED_AT_ON_FOLLOW_UP', "A follow-up starts at its parent's end, or `after` it (e.g. PT24H): give after, not scheduledAt.", 400);
    }
    if (input.after !== undefined) {
      try {
        parseAfter(input.after);
      } catch (error) {
        if (error instanceof DurationError) throw new BlastRefused(error.code, error.message, 400);
        throw error;
      }
    }
    const parent = await store.blasts.get(input.followUpOf);
    if (!parent || !canSee(principal, parent.businessUnit)) throw new NotFound('PARENT_NOT_FOUND', `Blast "${input.followUpOf}" (followUpOf) does not exist.`);
    if (input.businessUnit !== undefined && input.businessUnit !== parent.businessUnit) {
      throw new BlastRefused('PARENT_OTHER_UNIT', `A follow-up goes to its parent's business unit ("${parent.businessUnit}").`, 422);
    }
    if (parent.status === 'failed' && parent.figures.sent + parent.figures.failed === 0) {
      throw new Conflict('PARENT_FAILED', `Blast "${parent.id}" failed before it sent anything (${parent.error?.code ?? 'unknown'}): there is no outcome to follow up.`, { parentId: parent.id });
    }
    return { parent, followUp: { of: parent.id, segment, after: input.after ?? null } };
  }

  return {
    /**
     * Checks the sessions and the unit of the fields sent before a file, so that a request refused
     * for them reads no file (the rest is checked by create, once all has come).
     */
    async precheck(principal: Principal, input: { sessionIds: string[]; businessUnit?: string | undefined }): Promise<void> {
      const unit = input.businessUnit ?? scopedUnit(principal);
      if (input.sessionIds.length > 0) await checkSessions(principal, [...new Set(input.sessionIds)], unit);
      else if (unit !== undefined) assertCanWriteUnit(principal, unit);
    },

    /** Reads a media file in, staged: it is no blob until a blast refers to it (create); the caller discards a refused one. */
    stageMedia: async (stream: Readable): Promise<StagedBlob> => {
      try {
        return await store.blobs.stage(stream, { maxBytes: deps.mediaMaxBytes, now: clock.now().toISOString() });
      } catch (error) {
        if (error instanceof BlobTooLarge) throw new BlastRefused('MEDIA_TOO_LARGE', `The media file is larger than ${deps.mediaMaxBytes} bytes.`, 413);
        throw error;
      }
    },

    stageRecipientsFile: (stream: Readable, fileName: string): Promise<StagedBlob> => deps.lists.stageUpload({ stream, fileName }),

    /** Drops staged files of a refused request (a no-op for those committed). */
    discard: async (files: (StagedBlob | undefined)[]): Promise<void> => {
      for (const file of files) if (file) await store.blobs.discard(file);
    },

    async create(principal: Principal, input: CreateBlastInput, requestId?: string): Promise<Blast> {
      const compiled = compileTemplate(input.message);
      const follow = await checkFollowUp(principal, input);
      if (!follow && (input.listId === undefined) === (input.recipientsFile === undefined)) {
        throw new BlastRefused(
          input.listId === undefined ? 'RECIPIENTS_REQUIRED' : 'RECIPIENTS_AMBIGUOUS',
          'Give the recipients either as listId or as a recipientsFile upload (one of them).',
          400,
        );
      }
      const { businessUnit, sessions, checksNumbers } = await checkSessions(
        principal,
        [...new Set(input.sessionIds)],
        follow?.parent.businessUnit ?? input.businessUnit ?? scopedUnit(principal),
      );
      const scheduledAt = checkSchedule(input.scheduledAt);
      const pacing = checkPacing(input.pacing);

      let media: { sha256: string; kind: 'image' | 'video' | 'document'; mimetype: string; fileName: string | null } | null = null;
      if (input.media) {
        const sniffed = sniffMedia(input.media.blob.head);
        if (!sniffed) {
          throw new BlastRefused('UNSUPPORTED_MEDIA_TYPE', 'The media is not a supported image (JPEG, PNG, WebP, GIF), video (MP4, 3GP, WebM) or document (PDF, Office, text).', 415);
        }
        media = { sha256: input.media.blob.sha256, kind: sniffed.kind, mimetype: sniffed.mimetype, fileName: input.media.fileName.slice(0, 255) || null };
      }

      const id = randomUUID();
      let listId: string;
      if (follow) {
        // The parent's list: its columns are the follow-up's variables, and it cannot be deleted while the follow-up waits.
        const list = await store.lists.get(follow.parent.listId);
        if (!list) throw new Conflict('PARENT_LIST_DELETED', `The recipient list of blast "${follow.parent.id}" was deleted: its recipients' columns are gone.`);
        if (list.status === 'ready') assertKnownVariables(compiled, [...BUILT_IN_VARIABLES, ...list.columns.map((column) => column.key)]);
        assertMessageFits(compiled, media !== null, list.status === 'ready' ? longestValues(list.columns) : undefined);
        listId = list.id;
      } else if (input.listId !== undefined) {
        const list = await deps.lists.get(principal, input.listId);
        if (list.businessUnit !== businessUnit) {
          throw new BlastRefused('LIST_OTHER_UNIT', `List "${list.id}" belongs to business unit "${list.businessUnit}", not "${businessUnit}".`, 422);
        }
        if (list.purpose !== 'recipients') throw new BlastRefused('LIST_NOT_RECIPIENTS', 'That list is an opt-out list, not a recipient list.', 422);
        if (list.status === 'failed') throw new Conflict('LIST_FAILED', `List "${list.id}" failed to import (${list.error?.code ?? 'unknown'}); upload it again.`);
        if (list.status === 'ready') {
          assertKnownVariables(compiled, [...BUILT_IN_VARIABLES, ...list.columns.map((column) => column.key)]);
          if (list.counts.valid === 0) throw new BlastRefused('LIST_EMPTY', 'The recipient list has no valid phone number.', 422);
        }
        // A list still importing has no longest values yet: its messages are checked as they are sent.
        assertMessageFits(compiled, media !== null, list.status === 'ready' ? longestValues(list.columns) : undefined);
        listId = list.id;
      } else {
        const file = input.recipientsFile;
        if (!file) throw new BlastRefused('RECIPIENTS_REQUIRED', 'Give the recipients either as listId or as a recipientsFile upload.', 400);
        assertMessageFits(compiled, media !== null);
        const list = await deps.lists.create(
          principal,
          {
            name: input.name ?? file.fileName,
            phoneColumn: file.phoneColumn,
            defaultCountry: file.defaultCountry,
            encoding: file.encoding,
            businessUnit,
            purpose: 'recipients',
            createdForBlast: id,
          },
          file.blob,
          file.fileName,
          requestId,
        );
        listId = list.id;
      }

      try {
        await store.blasts.create({
          id,
          name: input.name ?? `Blast ${clock.now().toISOString().slice(0, 16).replace('T', ' ')}`,
          businessUnit,
          status: 'importing',
          listId,
          message: input.message,
          media,
          sessions,
          // Unless the blast says: on when a session of it checks by default (a baileys one, unless turned off).
          checkNumbers: input.checkNumbers ?? checksNumbers,
          typing: input.typing ?? false,
          pacing,
          scheduledAt,
          createdAt: clock.now().toISOString(),
          stopOnReply: input.stopOnReply ?? false,
          followUp: follow?.followUp ?? null,
        });
        // The media becomes a blob once the blast refers to it (see BlobRepository).
        if (input.media) await store.blobs.commit(input.media.blob, clock.now().toISOString());
        // Idempotent: the import's end queues it again if the list is still importing now.
        await enqueue(deps.queues, 'blasts', 'prepare-blast', { blastId: id, ...(requestId === undefined ? {} : { requestId }) }, { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 1_000, removeOnFail: 5_000 });
      } catch (error) {
        // The request failed, so it made nothing (as lists.create): no blast left waiting for a
        // media that is not there or a job never queued, nor its media, nor a list of its own.
        await store.blasts.delete(id);
        if (input.media) await store.blobs.deleteUnreferenced(input.media.blob.sha256);
        if (input.recipientsFile !== undefined) await deps.lists.delete(principal, listId);
        throw error;
      }
      return visible(principal, id);
    },

    get: visible,

    list(principal: Principal, filter: BlastListFilter) {
      const unit = scopedUnit(principal);
      if (unit !== undefined && filter.businessUnit !== undefined && filter.businessUnit !== unit) return Promise.resolve({ items: [], total: 0 });
      return store.blasts.list({ ...filter, businessUnit: unit ?? filter.businessUnit });
    },

    async pause(principal: Principal, id: string): Promise<Blast> {
      const blast = await visible(principal, id);
      if (blast.followUp && blast.startedAt === null && blast.status === 'scheduled') {
        // Its ledger is taken at its start, and a paused blast has none to resume: cancel it, or pause it once it runs.
        throw new Conflict('FOLLOW_UP_NOT_STARTED', 'A follow-up waiting to start cannot be paused; cancel it, or pause it once it runs.', { status: blast.status });
      }
      if (!(await control.pause(id, 'PAUSED_BY_USER', null))) throw notNow(blast, 'paused', ['scheduled', 'running']);
      return visible(principal, id);
    },

    async resume(principal: Principal, id: string): Promise<Blast> {
      await visible(principal, id);
      if (!(await control.resume(id))) {
        // Its sessions may all be gone: then it has just failed, and says why.
        const now = await visible(principal, id);
        if (now.error?.code === 'SESSION_DELETED') throw new Conflict('SESSION_DELETED', `${now.error.message} The blast cannot go on: it has failed.`, { status: now.status });
        throw notNow(now, 'resumed', ['paused']);
      }
      return visible(principal, id);
    },

    async cancel(principal: Principal, id: string): Promise<Blast> {
      const blast = await visible(principal, id);
      if (!(await control.cancel(id))) throw notNow(blast, 'cancelled', ['importing', 'scheduled', 'running', 'paused']);
      return visible(principal, id);
    },

    /**
     * How many of the blast's recipients each follow-up segment holds now (one grouped count). Like the
     * timeline, an answer is reused for ten times what it cost (at least 2 s): counting a 100k ledger
     * takes ~0.3 s of SQLite, and a page or a script may ask again and again.
     */
    async segments(principal: Principal, id: string): Promise<{ blastId: string; status: Blast['status']; segments: Record<FollowUpSegment, number> }> {
      const blast = await visible(principal, id);
      const startedAt = clock.now().getTime();
      const cached = segmentCounts.get(id);
      if (cached !== undefined && cached.expiresAt > startedAt) return { blastId: blast.id, status: blast.status, segments: cached.value };
      const value = segmentSizes(await store.followUps.segmentCounts(id));
      const finishedAt = clock.now().getTime();
      for (const [stale, entry] of segmentCounts) if (entry.expiresAt <= finishedAt) segmentCounts.delete(stale);
      segmentCounts.set(id, { expiresAt: finishedAt + Math.max(2_000, 10 * (finishedAt - startedAt)), value });
      return { blastId: blast.id, status: blast.status, segments: value };
    },

    async recipients(principal: Principal, id: string, filter: { status?: RecipientStatus | undefined; replied?: boolean | undefined; limit: number; offset: number }) {
      await visible(principal, id);
      return store.blasts.recipients(id, filter);
    },

    /** The replies attributed to the blast, oldest first, with their recipients' rows and list values. */
    async replies(principal: Principal, id: string, page: { limit: number; offset: number }) {
      await visible(principal, id);
      return store.replies.forBlast(id, page);
    },

    /**
     * Sends, failures, deliveries and reads per time bucket, from the blast's start to now while it runs (or is
     * paused), else to its last outcome or receipt (receipts go on arriving after it completes).
     */
    async timeline(principal: Principal, id: string, bucketSeconds?: number): Promise<BlastTimeline> {
      const blast = await visible(principal, id);
      const key = `${id}:${String(bucketSeconds ?? 'auto')}`;
      const startedAt = clock.now().getTime();
      const cached = timelines.get(key);
      if (cached !== undefined && cached.expiresAt > startedAt) return cached.value;
      const value = await computeTimeline(blast, bucketSeconds);
      const finishedAt = clock.now().getTime();
      for (const [stale, entry] of timelines) if (entry.expiresAt <= finishedAt) timelines.delete(stale);
      timelines.set(key, { expiresAt: finishedAt + Math.max(2_000, 10 * (finishedAt - startedAt)), value });
      return value;
    },

    /**
     * The per-recipient outcomes as a file, streamed page by page from the database: one line per
     * row of the uploaded sheet (its rejects too, but for a follow-up, which sent to part of its
     * parent's list), with the list's own columns, times in `timeZone` (IANA, default UTC).
     */
    async report(principal: Principal, id: string, format: 'csv' | 'xlsx', zone = 'UTC'): Promise<{ stream: Readable; fileName: string; contentType: string }> {
      const timeZone = canonicalTimeZone(zone);
      if (timeZone === undefined) {
        throw new BlastRefused('INVALID_TIME_ZONE', `timeZone "${zone.slice(0, 64)}" is not an IANA time zone (such as Europe/Paris or Asia/Jakarta).`, 400);
      }
      const blast = await visible(principal, id);
      const list = await store.lists.get(blast.listId);
      const columns = list?.columns ?? [];
      const rejects = list === undefined || blast.followUp !== null ? noRejects() : store.lists.allRejects(list.id);
      const sheet = { header: reportHeader(columns, timeZone), rows: reportRows(store.blasts.allRecipients(id), rejects, columns), timeZone };
      const base = `blast-${blast.id.slice(0, 8)}-report`;
      return format === 'csv'
        ? { stream: csvReport(sheet), fileName: `${base}.csv`, contentType: 'text/csv; charset=utf-8' }
        : {
            stream: xlsxReport({ ...sheet, sheetName: 'Recipients' }),
            fileName: `${base}.xlsx`,
            contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          };
    },
  };
}

/** An empty source of the same kind as the store's. */
async function* noRejects(): AsyncGenerator<ListReject> {}

function notNow(blast: Blast, verb: string, from: BlastStatus[]): Conflict {
  return new Conflict('BLAST_STATE_CONFLICT', `The blast is ${blast.status}; only a blast that is ${from.join(' or ')} can be ${verb}.`, { status: blast.status });
}

export type BlastService = ReturnType<typeof createBlastService>;
